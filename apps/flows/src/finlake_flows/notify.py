"""Alerts to Slack through an incoming webhook (POST {"text": ...}), via Prefect's webhook block.

In AWS the webhook URL is a Secrets Manager value synced into the Slack webhook block (the contract's `slackAlerts`) by
blocks-sync (FINLAKE_SLACK_BLOCK names it); locally FINLAKE_SLACK_WEBHOOK_URL may point at any
Slack-compatible endpoint, a stand-in on 127.0.0.1 included. With neither, alerts go to the log.
"""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from prefect.blocks.notifications import CustomWebhookNotificationBlock

from finlake_flows import platform
from finlake_flows.settings import Settings

log = logging.getLogger(__name__)


def webhook_block(settings: Settings) -> CustomWebhookNotificationBlock | None:
    if settings.slack_block:
        return CustomWebhookNotificationBlock.load(settings.slack_block)
    if settings.slack_webhook_url:
        host = urlparse(settings.slack_webhook_url).hostname or ""
        return CustomWebhookNotificationBlock(
            name=platform.contract()["prefect"]["blocks"]["slackAlerts"]["name"],
            url=settings.slack_webhook_url,
            json_data={"text": "*{{subject}}*\n{{body}}"},
            # Only a stand-in on this machine may be private; Slack itself is public.
            allow_private_urls=host in ("127.0.0.1", "localhost", "::1"),
        )
    return None


def send(settings: Settings, subject: str, body: str) -> bool:
    block = webhook_block(settings)
    if block is None:
        log.warning(
            "no Slack webhook configured (FINLAKE_SLACK_BLOCK / FINLAKE_SLACK_WEBHOOK_URL): %s\n%s",
            subject,
            body,
        )
        return False
    block.notify(body=body, subject=subject)
    return True

/**
 * A small typed client for Prefect 3's REST API (a self-hosted server, or Cloud with an API key):
 * the calls the platform's TS services make. Network errors and 5xx are retried a few times;
 * anything else surfaces as a PrefectApiError naming the call and the server's answer.
 */
export class PrefectApiError extends Error {
  constructor(
    readonly call: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Prefect API ${call} answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'PrefectApiError';
  }
}

export interface PrefectApiOptions {
  /** e.g. http://127.0.0.1:4200/api or https://api.prefect.cloud/api/accounts/A/workspaces/W */
  apiUrl: string;
  /** Prefect Cloud: an API key, sent as a Bearer token. */
  apiKey?: string;
  /**
   * A self-hosted server behind PREFECT_SERVER_API_AUTH_STRING: the same `user:password`, sent as HTTP
   * Basic auth (what Prefect's own client does with PREFECT_API_AUTH_STRING).
   */
  authString?: string;
  timeoutMs?: number;
  attempts?: number;
}

export interface Deployment {
  id: string;
  name: string;
  flow_id: string;
}

export interface FlowRun {
  id: string;
  name: string;
  deployment_id: string | null;
  idempotency_key: string | null;
  parameters: Record<string, unknown>;
  state_type?: string;
}

export interface BlockType {
  id: string;
  slug: string;
}

export interface BlockSchema {
  id: string;
  checksum: string;
  fields: { properties: Record<string, unknown>; secret_fields?: string[] };
}

export interface BlockDocument {
  id: string;
  name: string;
  data: Record<string, unknown>;
  block_schema_id: string;
  block_type_id: string;
  block_type?: { slug: string };
  block_document_references?: Record<string, { block_document: { id: string; name: string } }>;
}

export class PrefectApi {
  private readonly base: string;

  constructor(private readonly options: PrefectApiOptions) {
    if (!/^https?:\/\//.test(options.apiUrl)) {
      throw new Error(
        `PREFECT_API_URL ${JSON.stringify(options.apiUrl)} is not an http(s) URL (e.g. http://127.0.0.1:4200/api)`,
      );
    }
    if (options.authString !== undefined && !/^[^:]+:.+$/.test(options.authString))
      throw new Error(
        'PREFECT_API_AUTH_STRING must be user:password (as the server`s PREFECT_SERVER_API_AUTH_STRING)',
      );
    if (options.apiKey && options.authString)
      throw new Error(
        'set PREFECT_API_KEY (Prefect Cloud) or PREFECT_API_AUTH_STRING (self-hosted), not both',
      );
    this.base = options.apiUrl.replace(/\/+$/, '');
    this.authorization = options.apiKey
      ? `Bearer ${options.apiKey}`
      : options.authString
        ? `Basic ${Buffer.from(options.authString).toString('base64')}`
        : undefined;
  }

  private readonly authorization: string | undefined;

  static fromEnv(env: NodeJS.ProcessEnv = process.env): PrefectApi {
    const apiUrl = env.PREFECT_API_URL;
    if (!apiUrl)
      throw new Error(
        'PREFECT_API_URL is not set: point it at the Prefect API (e.g. http://127.0.0.1:4200/api)',
      );
    return new PrefectApi({
      apiUrl,
      apiKey: env.PREFECT_API_KEY || undefined,
      authString: env.PREFECT_API_AUTH_STRING || undefined,
    });
  }

  async request<T>(method: string, path: string, body?: unknown, allow404 = false): Promise<T | undefined> {
    return (await this.send<T>(method, path, body, allow404)).body;
  }

  private async send<T>(
    method: string,
    path: string,
    body?: unknown,
    allow404 = false,
  ): Promise<{ status: number; body: T | undefined }> {
    const attempts = this.options.attempts ?? 3;
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            'content-type': 'application/json',
            ...(this.authorization ? { authorization: this.authorization } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
        });
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 200 * attempt * Math.random()));
        continue;
      }
      if (res.status === 404 && allow404) return { status: 404, body: undefined };
      const text = await res.text();
      if (res.status >= 500 && attempt < attempts) {
        last = new PrefectApiError(`${method} ${path}`, res.status, text);
        await new Promise((r) => setTimeout(r, 200 * attempt * Math.random()));
        continue;
      }
      if (!res.ok) throw new PrefectApiError(`${method} ${path}`, res.status, text);
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    }
    throw new Error(
      `Prefect API ${method} ${path} unreachable after ${attempts} attempts: ${(last as Error)?.message}`,
    );
  }

  readDeploymentByName(flowName: string, deploymentName: string): Promise<Deployment | undefined> {
    return this.request(
      'GET',
      `/deployments/name/${encodeURIComponent(flowName)}/${encodeURIComponent(deploymentName)}`,
      undefined,
      true,
    );
  }

  /**
   * Prefect answers 201 with a new run, or 200 with the existing one when the deployment already
   * has a run with this idempotency key: `created` says which.
   */
  async createFlowRunFromDeployment(
    deploymentId: string,
    run: { parameters: Record<string, unknown>; idempotencyKey: string; tags?: string[] },
  ): Promise<{ run: FlowRun; created: boolean }> {
    const res = await this.send<FlowRun>('POST', `/deployments/${deploymentId}/create_flow_run`, {
      parameters: run.parameters,
      idempotency_key: run.idempotencyKey,
      tags: run.tags ?? [],
    });
    return { run: res.body!, created: res.status === 201 };
  }

  /** Test and bootstrap helper: creates (or reads) a flow and a deployment of it. */
  async ensureDeployment(flowName: string, deploymentName: string): Promise<Deployment> {
    const flow = (await this.request<{ id: string }>('POST', '/flows/', { name: flowName }))!;
    return (await this.request<Deployment>('POST', '/deployments/', {
      name: deploymentName,
      flow_id: flow.id,
    }))!;
  }

  async flowRunsOfDeployment(deploymentId: string): Promise<FlowRun[]> {
    return (await this.request<FlowRun[]>('POST', '/flow_runs/filter', {
      flow_runs: { deployment_id: { any_: [deploymentId] } },
    }))!;
  }

  async readBlockType(slug: string): Promise<BlockType> {
    const t = await this.request<BlockType>(
      'GET',
      `/block_types/slug/${encodeURIComponent(slug)}`,
      undefined,
      true,
    );
    if (!t)
      throw new Error(
        `block type ${slug} is not registered on the Prefect server (is the collection installed?)`,
      );
    return t;
  }

  async latestBlockSchema(blockTypeId: string): Promise<BlockSchema> {
    const schemas = (await this.request<BlockSchema[]>('POST', '/block_schemas/filter', {
      block_schemas: { block_type_id: { any_: [blockTypeId] } },
    }))!;
    if (schemas.length === 0) throw new Error(`no block schema for block type ${blockTypeId}`);
    return schemas[0]!;
  }

  readBlockDocument(typeSlug: string, name: string): Promise<BlockDocument | undefined> {
    return this.request(
      'GET',
      `/block_types/slug/${encodeURIComponent(typeSlug)}/block_documents/name/${encodeURIComponent(name)}?include_secrets=true`,
      undefined,
      true,
    );
  }

  async listBlockDocuments(typeSlugs: string[]): Promise<BlockDocument[]> {
    return (await this.request<BlockDocument[]>('POST', '/block_documents/filter', {
      block_types: { slug: { any_: typeSlugs } },
      block_documents: { is_anonymous: { eq_: false } },
      include_secrets: true,
    }))!;
  }

  async createBlockDocument(doc: {
    name: string;
    data: Record<string, unknown>;
    blockTypeId: string;
    blockSchemaId: string;
  }): Promise<BlockDocument> {
    return (await this.request<BlockDocument>('POST', '/block_documents/', {
      name: doc.name,
      data: doc.data,
      block_type_id: doc.blockTypeId,
      block_schema_id: doc.blockSchemaId,
    }))!;
  }

  async updateBlockDocument(id: string, data: Record<string, unknown>, blockSchemaId: string): Promise<void> {
    await this.request('PATCH', `/block_documents/${id}`, {
      data,
      block_schema_id: blockSchemaId,
      merge_existing_data: false,
    });
  }

  async deleteBlockDocument(id: string): Promise<void> {
    await this.request('DELETE', `/block_documents/${id}`);
  }
}

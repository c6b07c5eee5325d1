/** FMP's answers, as the live API sends them (bodies from ../shared/data/README.md). */
export const FMP_ERRORS = {
  invalidKey:
    'Invalid API KEY. Feel free to create a Free API Key or visit https://site.financialmodelingprep.com/faqs?search=why-is-my-api-key-invalid for more information.',
  limitReach:
    'Limit Reach . Please upgrade your plan or visit our documentation for more details at https://site.financialmodelingprep.com/',
  legacy:
    'Legacy Endpoint : Due to Legacy endpoints being no longer supported - This endpoint is only available for legacy users who have valid subscriptions prior August 31, 2025. Please visit our documentation https://site.financialmodelingprep.com/developer/docs for our current endpoints.',
  premiumSymbol: (symbol: string) =>
    `Premium Query Parameter: This value set for 'symbol' is not available under your current subscription please visit our subscription page https://site.financialmodelingprep.com/pricing-plans to upgrade your plan. Symbol: ${symbol}`,
} as const;

export const MAX_EOD_ROWS = 5000;

export const errorBody = (message: string) => JSON.stringify({ 'Error Message': message }, null, 2);

/** FMP pretty-prints its JSON with two spaces (see the recorded answers). */
export const jsonBody = (value: unknown) => JSON.stringify(value, null, 2);

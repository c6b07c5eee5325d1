import { dailySymbolNewsPrice } from '@finlake/schemas';
import { symbolSeriesRoutes } from './symbol-series.ts';

/** The gold mart daily_symbol_news_price: one symbol's sessions, its close and return beside the news that counts for each. */
export const dailySymbolNewsPriceRoutes = symbolSeriesRoutes(dailySymbolNewsPrice, {
  url: '/symbols/:symbol/daily-news',
  summary: "A symbol's sessions with their close, return and news",
});

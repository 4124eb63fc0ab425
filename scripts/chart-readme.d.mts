// Types for scripts/chart-readme.mjs (imported by test/chart/readme.test.ts).
export declare const CHART_DIR: string;
export declare function documentedValues(
  text: string,
): { key: string; type: string; default: string; description: string }[];
export declare function renderChartReadme(chartDir?: string): string;
export declare function formatChartReadme(markdown: string, chartDir?: string): Promise<string>;

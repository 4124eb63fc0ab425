// Types for scripts/events-doc.mjs (imported by test/deploy/events.test.ts).
export declare const EVENTS_DOC: string;
export declare function tracesQuery(name: string): string;
export declare function containerLogQuery(name: string): string;
export declare function renderEventsDoc(
  events: Readonly<
    Record<string, { level: string; fields: readonly string[]; meaning: string; action: string }>
  >,
  watcherNames?: Iterable<string>,
): string;
export declare function formatEventsDoc(markdown: string): Promise<string>;

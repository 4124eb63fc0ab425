// Types for scripts/lib/ignore.mjs.
export declare function createIgnoreMatcher(text: string): (path: string, isDirectory: boolean) => boolean;

// Types for scripts/lib/zip.mjs.
export declare function crc32(data: Buffer): number;
export declare function createZip(entries: { name: string; data: Buffer; mode?: number }[]): Buffer;
export declare function readZip(zip: Buffer): { name: string; size: number; read: () => Buffer }[];

// Types for scripts/package.mjs.
export declare const ZIP_NAME: string;
export declare function packageApp(options: {
  build: boolean;
  install: boolean;
  root: string;
  out: string;
}): {
  zip: string;
  folder: string;
  main: string;
  functionFiles: string[];
  files: number;
  unpackedMB: number;
  zipMB: number;
  seconds: number;
};

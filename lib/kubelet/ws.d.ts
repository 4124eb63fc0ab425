/**
 * The part of `ws` (8.x, in node_modules through @kubernetes/client-node) the kubelet endpoint and the ACI
 * simulator use. `@types/ws` is not installed; when it is, delete this file.
 */
declare module "ws" {
  import type { EventEmitter } from "node:events";
  import type { IncomingMessage } from "node:http";
  import type { Duplex } from "node:stream";
  import type { SecureContextOptions } from "node:tls";

  export type RawData = Buffer | ArrayBuffer | Buffer[];

  export interface ClientOptions extends SecureContextOptions {
    rejectUnauthorized?: boolean;
    headers?: Record<string, string>;
    handshakeTimeout?: number;
  }

  export class WebSocket extends EventEmitter {
    static readonly CONNECTING: 0;
    static readonly OPEN: 1;
    static readonly CLOSING: 2;
    static readonly CLOSED: 3;
    constructor(address: string, protocols?: string | string[], options?: ClientOptions);
    readonly readyState: 0 | 1 | 2 | 3;
    readonly protocol: string;
    send(data: string | Buffer | Uint8Array, cb?: (err?: Error) => void): void;
    send(data: string | Buffer | Uint8Array, options: { binary?: boolean }, cb?: (err?: Error) => void): void;
    close(code?: number, reason?: string | Buffer): void;
    terminate(): void;
    on(event: "message", listener: (data: RawData, isBinary: boolean) => void): this;
    on(event: "close", listener: (code: number, reason: Buffer) => void): this;
    on(event: "error", listener: (err: Error) => void): this;
    on(event: "open", listener: () => void): this;
    on(event: "unexpected-response", listener: (req: unknown, res: IncomingMessage) => void): this;
    once(event: "open", listener: () => void): this;
    once(event: "close", listener: (code: number, reason: Buffer) => void): this;
    once(event: "error", listener: (err: Error) => void): this;
    once(event: "message", listener: (data: RawData, isBinary: boolean) => void): this;
  }

  export interface ServerOptions {
    noServer?: boolean;
    handleProtocols?: (protocols: Set<string>, request: IncomingMessage) => string | false;
    maxPayload?: number;
  }

  export class WebSocketServer extends EventEmitter {
    constructor(options: ServerOptions);
    handleUpgrade(
      request: IncomingMessage,
      socket: Duplex,
      head: Buffer,
      callback: (ws: WebSocket, request: IncomingMessage) => void,
    ): void;
    close(cb?: (err?: Error) => void): void;
  }
}

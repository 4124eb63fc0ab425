/**
 * The watcher's `PodApi` (`lib/watcher/reflector.ts`) over plain HTTP: one page of
 * `GET /api/v1/pods?fieldSelector=…` and the watch stream of the same (`watch=true`, bookmarks), parsed one
 * JSON line at a time so nothing but the partial line is kept. Objects stay as the server sent them: a pod
 * from a list and the same pod from a watch event are the same JSON, so they fingerprint identically
 * (`lib/watcher/pods.ts`), and fields newer than any SDK's models are seen too. Errors go through the
 * Kubernetes error table (`../errors.ts`) and keep the HTTP status as `statusCode` (the reflector relists
 * on 410).
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { PodApi } from "../../watcher/reflector.js";
import { KubeHttpError, mapKubeHttpError } from "../errors.js";
import { connectionOf, type KubeTarget } from "./connection.js";
import { callJson, query, startRequest } from "./transport.js";

interface PodList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: V1Pod[];
}

export function kubePodApi(target: KubeTarget): PodApi {
  const conn = connectionOf(target);
  return {
    async list({ fieldSelector, limit, continueToken }) {
      try {
        const list = await callJson<PodList>(
          conn,
          "GET",
          `/api/v1/pods?${query({ fieldSelector, limit: limit > 0 ? limit : undefined, continue: continueToken })}`,
          "list pods",
        );
        const page = { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? "" };
        const next = list.metadata?.continue;
        return next ? { ...page, continueToken: next } : page;
      } catch (error) {
        throw mapKubeHttpError(error, "list pods");
      }
    },
    async watch(req, onEvent, onDone) {
      const opts = await conn.requestOptions();
      const path = `/api/v1/pods?${query({
        watch: true,
        allowWatchBookmarks: true,
        fieldSelector: req.fieldSelector,
        resourceVersion: req.resourceVersion,
        timeoutSeconds: req.timeoutSeconds,
      })}`;
      let finished = false;
      const finish = (error: unknown) => {
        if (finished) return;
        finished = true;
        request.destroy();
        onDone(error);
      };
      const request = startRequest(conn, opts, "GET", path, undefined);
      request.on("error", (error) => finish(error));
      request.on("response", (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            finish(
              mapKubeHttpError(
                new KubeHttpError(
                  status,
                  Buffer.concat(chunks).toString("utf8"),
                  retryAfterOf(res.headers["retry-after"]),
                  "watch pods",
                ),
                "watch pods",
              ),
            ),
          );
          res.on("error", (error) => finish(error));
          return;
        }
        // One JSON object per line; each is handed over and dropped, so nothing but the partial line is kept.
        res.setEncoding("utf8");
        let partial = "";
        const line = (text: string) => {
          if (finished || text.trim() === "") return;
          let event: { type?: string; object?: unknown };
          try {
            event = JSON.parse(text) as typeof event;
          } catch (error) {
            finish(new Error("kubernetes: watch pods: bad JSON line", { cause: error }));
            return;
          }
          if (typeof event.type !== "string") return;
          onEvent(event.type, event.object ?? {});
        };
        res.on("data", (chunk: string) => {
          let start = 0;
          for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", start)) {
            line(partial + chunk.slice(start, nl));
            partial = "";
            start = nl + 1;
          }
          partial += chunk.slice(start);
        });
        res.on("end", () => {
          line(partial);
          partial = "";
          finish(null);
        });
        res.on("error", (error) => finish(error));
        res.on("aborted", () => finish(new Error("kubernetes: watch pods: stream aborted")));
      });
      return {
        abort: () => {
          finished = true;
          request.destroy();
        },
      };
    },
  };
}

const retryAfterOf = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

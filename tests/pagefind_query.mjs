// Query a built site's pagefind index with pagefind's own search code (pagefind.js and its
// WebAssembly), as a browser would: node tests/pagefind_query.mjs SITE_DIR TERM
// Prints the hits as JSON: [{"url": ..., "title": ...}]. Files are read from disk.
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const [site, term] = process.argv.slice(2);
globalThis.fetch = async (input) => {
  const buf = await readFile(fileURLToPath(new URL(String(input))));
  return {
    ok: true, status: 200,
    arrayBuffer: async () => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    json: async () => JSON.parse(buf.toString("utf8")),
    text: async () => buf.toString("utf8"),
  };
};
const base = pathToFileURL(path.resolve(site, "pagefind") + "/").href;
const pagefind = await import(base + "pagefind.js");
await pagefind.options({ basePath: base });
const found = await pagefind.search(term);
const hits = await Promise.all(found.results.map((r) => r.data()));
console.log(JSON.stringify(hits.map((h) => ({ url: h.url, title: h.meta.title }))));

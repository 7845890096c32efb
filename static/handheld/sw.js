// The handheld's service worker (served as /handheld/sw.js, scope /handheld/): the app shell —
// the page, its modules, CSS, sounds (WebAudio: no files) and fonts (system fonts: no files) —
// is cached at install, so a page reloaded with no network still opens, shows the task it last
// had (localStorage) and queues scans (the outbox, localStorage). API calls and the socket are
// never cached. Shell files: network first (a deploy is picked up at once when online), the
// cache when the network fails. Bump VERSION when the list changes.

const VERSION = "floor-handheld-v1";
const SHELL = [
  "/handheld/",
  "/static/shared/base.css",
  "/static/shared/api.js",
  "/static/shared/dom.js",
  "/static/shared/ids.js",
  "/static/shared/socket.js",
  "/static/handheld/handheld.css",
  "/static/handheld/handheld.js",
  "/static/handheld/outbox.js",
  "/static/handheld/feedback.js",
  "/static/handheld/i18n.js",
  "/static/handheld/totes.js",
  "/static/handheld/wedge.js",
  "/static/handheld/camera.js",
  "/static/handheld/offline.js",
  "/static/handheld/changes.js",
];
const OPTIONAL = ["/static/handheld/kinds.js"]; // added by later work; cached when present

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    await cache.addAll(SHELL);
    await Promise.all(OPTIONAL.map((url) => cache.add(url).catch(() => null)));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== VERSION) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (!(url.pathname.startsWith("/static/") || url.pathname === "/handheld/" || url.pathname === "/handheld")) return;
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    try {
      const response = await fetch(request);
      if (response.ok) cache.put(request, response.clone()).catch(() => null);
      return response;
    } catch (error) {
      const cached = await cache.match(request, { ignoreSearch: true })
        || (url.pathname.startsWith("/handheld") ? await cache.match("/handheld/") : undefined);
      if (cached) return cached;
      throw error;
    }
  })());
});

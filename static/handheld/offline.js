// Offline support of the handheld page: the service worker (the app shell survives a reload
// with no network) and the last task shown, kept in localStorage so a page opened offline shows
// the current task at once (the server's `task` frame replaces it when the socket opens).

export function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return Promise.resolve(null);
  return navigator.serviceWorker.register("/handheld/sw.js", { scope: "/handheld/" }).catch(() => null);
}

export class TaskCache {
  constructor(key, storage = localStorage) {
    this.key = key;
    this.storage = storage;
  }

  load() {
    try {
      const task = JSON.parse(this.storage.getItem(this.key) || "null");
      return task && Array.isArray(task.steps) ? task : null;
    } catch {
      return null;
    }
  }

  save(task) {
    try {
      if (task) this.storage.setItem(this.key, JSON.stringify(task));
      else this.storage.removeItem(this.key);
    } catch {
      /* storage full: the task frame comes again on reconnect */
    }
  }
}

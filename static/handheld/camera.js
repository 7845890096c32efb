// Camera scanning for phones without a wedge scanner. The browser's BarcodeDetector where it
// exists; otherwise zxing-wasm (vendored in /static/vendor/zxing-wasm, loaded on first use).
// A decoded value goes through the same path as a wedge scan (onScan), once: the same value is
// ignored for `repeatMs` so a code held in view is not scanned over and over.

const FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "data_matrix", "qr_code", "itf"];
const ZXING = "/static/vendor/zxing-wasm/";

export function cameraAvailable() {
  return !!navigator.mediaDevices?.getUserMedia;
}

async function loadZxing() {
  if (!window.ZXingWASM) {
    await new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `${ZXING}zxing-reader.iife.js`;
      script.onload = resolve;
      script.onerror = () => reject(new Error("zxing-wasm could not be loaded"));
      document.head.append(script);
    });
    window.ZXingWASM.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? ZXING + path : prefix + path) },
    });
  }
  return window.ZXingWASM;
}

/** A decoder: BarcodeDetector, or zxing-wasm reading a canvas frame. Returns [{rawValue}]. */
export async function makeDecoder({ native = true } = {}) {
  if (native && "BarcodeDetector" in window) {
    const supported = await window.BarcodeDetector.getSupportedFormats().catch(() => FORMATS);
    const detector = new window.BarcodeDetector({ formats: FORMATS.filter((f) => supported.includes(f)) });
    return { name: "BarcodeDetector", detect: (video) => detector.detect(video) };
  }
  const zxing = await loadZxing();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return {
    name: "zxing-wasm",
    async detect(source) {
      const width = source.videoWidth ?? source.width;
      const height = source.videoHeight ?? source.height;
      if (!width || !height) return [];
      canvas.width = width;
      canvas.height = height;
      context.drawImage(source, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const results = await zxing.readBarcodes(image, { tryHarder: true, maxNumberOfSymbols: 1 });
      // GS1 symbols: zxing gives the FNC1 as GS in `text`; the symbology id tells the server it is GS1.
      return results.filter((r) => r.isValid).map((r) => ({ rawValue: (r.symbologyIdentifier || "") + r.text }));
    },
  };
}

export class Camera {
  constructor(onScan, { everyMs = 150, repeatMs = 1500 } = {}) {
    this.onScan = onScan;
    this.everyMs = everyMs;
    this.repeatMs = repeatMs;
    this.stream = null;
    this.video = null;
    this.timer = null;
    this.last = { value: "", at: 0 };
    this.decoder = null;
  }

  get running() {
    return !!this.stream;
  }

  async start(video) {
    this.video = video;
    this.decoder = this.decoder || (await makeDecoder());
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    video.srcObject = this.stream;
    await video.play();
    const tick = async () => {
      if (!this.stream) return;
      try {
        for (const code of await this.decoder.detect(video)) this.found(code.rawValue);
      } catch {
        /* a frame that could not be read */
      }
      this.timer = setTimeout(tick, this.everyMs);
    };
    tick();
    return this.decoder.name;
  }

  found(value, now = Date.now()) {
    if (!value) return;
    if (value === this.last.value && now - this.last.at < this.repeatMs) return;
    this.last = { value, at: now };
    this.onScan(value);
  }

  stop() {
    clearTimeout(this.timer);
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.stream = null;
    if (this.video) this.video.srcObject = null;
  }
}

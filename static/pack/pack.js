// The pack station: scan the order, scan each unit into the box, weigh, close. Closing the last box
// ships the order and queues its labels (printed at this station) with no further click; the page
// then shows the labels rendered from their ZPL. zh-CN and English (?lang=zh / the browser's language).
import { apiBlob, apiFetch, login, Session } from "/static/shared/api.js";

const TEXT = {
  en: {
    title: "Pack station", login: "Packer login", badge: "Badge", pin: "PIN", station: "Pack station",
    login_button: "Log in", order: "Scan tote or order", open: "Open", order_no: "Order", expected: "Expected",
    packed: "Packed", scan: "Scan item", serial: "Serial", add: "Add", box: "Box", suggested: "Suggested",
    box_type: "Carton", weight: "Weight (g)", close: "Close box", shipped: "Shipped",
    ok: "OK", wrong_item: "Wrong item: not in this order", extra: "Extra: this line is complete",
    serial_required: "Scan the serial number", serial_repeat: "Serial already packed", closed: "Order already shipped",
    missing: "Items missing: the last box cannot close", weight_mismatch: "Weight does not match: expected",
    empty: "The box is empty", box_closed: "Box closed", labels_wait: "Labels are being printed…",
    merged: "Merged parcel with orders",
  },
  "zh-CN": {
    title: "打包台", login: "打包员登录", badge: "工牌", pin: "PIN", station: "打包台号", login_button: "登录",
    order: "扫描周转箱或订单", open: "打开", order_no: "订单", expected: "应装", packed: "已装", scan: "扫描商品",
    serial: "序列号", add: "装箱", box: "箱", suggested: "推荐箱型", box_type: "箱型", weight: "重量（克）",
    close: "封箱", shipped: "已发货", ok: "正确", wrong_item: "错货：不属于此订单", extra: "多装：此行已装满",
    serial_required: "请扫描序列号", serial_repeat: "序列号已装箱", closed: "订单已发货",
    missing: "还有商品未装：最后一箱不能封箱", weight_mismatch: "重量不符：应为", empty: "箱内无商品",
    box_closed: "已封箱", labels_wait: "面单打印中…",
    merged: "合单发货，同包裹订单",
  },
};
const params = new URLSearchParams(window.location.search);
const LANG = (params.get("lang") || navigator.language || "en").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
const tr = (key) => TEXT[LANG][key] || TEXT.en[key] || key;
const $ = (selector) => document.querySelector(selector);
const session = new Session("floor.pack");
let auth = null;
let orderId = "";
let view = null;

function translate() {
  document.documentElement.lang = LANG;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = tr(node.dataset.t);
}

function api(path, body) {
  const url = `${path}${path.includes("?") ? "&" : "?"}warehouse=${encodeURIComponent(auth.warehouse)}`;
  return apiFetch(url, body === undefined ? { token: auth.token } : { method: "POST", body, token: auth.token });
}

function show(screen) {
  document.body.dataset.screen = screen;
  $("#login-screen").hidden = screen !== "login";
  $("#pack-screen").hidden = screen !== "pack";
}

function render() {
  const packed = {};
  for (const box of view.session.boxes) for (const sku of box.items) packed[sku] = (packed[sku] || 0) + 1;
  $("#lines").replaceChildren(...Object.entries(view.session.expected).map(([sku, n]) => {
    const row = document.createElement("tr");
    row.dataset.sku = sku;
    row.dataset.done = String((packed[sku] || 0) >= n);
    for (const text of [sku, String(n), String(packed[sku] || 0)]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  }));
  const open = view.session.boxes.filter((b) => !b.closed).length;
  $("#box-no").textContent = String(view.session.boxes.filter((b) => b.closed).length + (open ? 0 : 1) || 1);
  $("#suggested").textContent = view.suggested_box || "—";
  const merged = view.session.orders || []; // issue 7: a merge group (合单) packs into one parcel
  $("#merged").hidden = merged.length === 0;
  $("#merged").textContent = merged.length ? `${tr("merged")}: ${[view.session.order_id, ...merged].join(", ")}` : "";
  if (view.suggested_box && !$("#box-type").value) $("#box-type").value = view.suggested_box;
}

async function openOrder(id) {
  orderId = id;
  view = await api(`/api/pack/${encodeURIComponent(id)}/start`, { station: auth.station });
  $("#order-id").textContent = id;
  $("#order-panel").hidden = false;
  $("#shipped").hidden = true;
  render();
  if (view.session.shipment_id) await shipped(view.session.shipment_id);
  $("#scan").focus();
}

async function scan(code, serial) {
  const answer = await api(`/api/pack/${encodeURIComponent(orderId)}/scan`, { code, serial });
  view = answer.view;
  $("#verdict").dataset.verdict = answer.verdict;
  $("#verdict").textContent = tr(answer.verdict);
  render();
  if (answer.verdict === "serial_required") $("#serial").focus();
  else $("#scan").focus();
}

async function closeBox() {
  const last = Object.keys(view.missing).length === 0;
  const answer = await api(`/api/pack/${encodeURIComponent(orderId)}/close`, {
    weight_g: Number($("#weight").value), box_type: $("#box-type").value, last,
  });
  const out = $("#close-result");
  out.dataset.verdict = answer.verdict;
  out.textContent = answer.verdict === "weight_mismatch" ? `${tr("weight_mismatch")} ${answer.expected_g} g`
    : answer.verdict === "ok" ? tr("box_closed") : tr(answer.verdict);
  if (answer.verdict === "ok") {
    $("#weight").value = "";
    $("#box-type").value = "";
  }
  view = await api(`/api/pack/${encodeURIComponent(orderId)}`);
  render();
  if (answer.shipment_id) await shipped(answer.shipment_id);
}

async function shipped(shipmentId) {
  let shipment = await api(`/api/shipping/shipments/${encodeURIComponent(shipmentId)}`);
  $("#shipped").hidden = false;
  $("#carrier").textContent = `${shipment.choice.chosen.carrier} ${shipment.choice.chosen.service}`;
  $("#waybills").textContent = shipment.boxes.map((b) => b.waybill).join(", ");
  const holder = $("#labels");
  holder.replaceChildren(document.createTextNode(tr("labels_wait")));
  if (shipment.route !== "zpl_self") return; // the platform's print client prints these
  for (let attempt = 0; attempt < 240 && shipment.labels_state === "queued"; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    shipment = await api(`/api/shipping/shipments/${encodeURIComponent(shipmentId)}`);
  }
  $("#labels-state").textContent = shipment.labels_state;
  const images = [];
  for (const box of shipment.boxes) {
    const path = `/api/shipping/shipments/${encodeURIComponent(shipmentId)}/labels/${box.box_no}/png`;
    const blob = await apiBlob(`${path}?warehouse=${encodeURIComponent(auth.warehouse)}`, { token: auth.token });
    const img = document.createElement("img");
    img.src = URL.createObjectURL(blob);
    img.alt = `${box.waybill} ${box.box_no}/${shipment.boxes.length}`;
    img.dataset.waybill = box.waybill;
    images.push(img);
  }
  holder.replaceChildren(...images);
}

function guard(promise, target) {
  promise.catch((error) => {
    const out = $(target);
    out.dataset.verdict = "error";
    out.textContent = error.message;
  });
}

translate();
auth = session.load();
if (auth) {
  show("pack");
  $("#who").textContent = `${auth.subject} · ${auth.station}`;
} else show("login");

$("#login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  login({ badge: $("#badge").value.trim(), pin: $("#pin").value.trim() }).then((answer) => {
    auth = session.save({ ...answer, station: $("#station").value.trim() });
    $("#who").textContent = `${auth.subject} · ${auth.station}`;
    show("pack");
    $("#order").focus();
  }).catch((error) => { $("#login-error").textContent = error.message; });
});
$("#order-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guard(openOrder($("#order").value.trim()), "#verdict");
});
$("#scan-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const code = $("#scan").value.trim();
  const serial = $("#serial").value.trim();
  $("#scan").value = "";
  $("#serial").value = "";
  if (code) guard(scan(code, serial), "#verdict");
});
$("#close-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guard(closeBox(), "#close-result");
});

// Task kinds beyond picking (issue 9): replenish, putaway, count, return (a return receipt), sort (issue 11: the put wall). Wording per kind, zh-CN + English,
// and the verdict lines a worker reads for each. The socket protocol is the pick protocol: the task
// frame carries `kind`, and so does the verdict of a non-pick task (docs/protocol.md).

const KINDS = {
  pick: { zh: "拣货", en: "Pick" },
  replenish: { zh: "补货", en: "Replenish" },
  putaway: { zh: "上架", en: "Put away" },
  count: { zh: "盘点", en: "Count" },
  return: { zh: "退货收货", en: "Return receipt" },
  putback: { zh: "取消回库", en: "Put back" }, // issue 7: units of an order cancelled after release
  sort: { zh: "播种墙分拣", en: "Put-wall sort" }, // issue 11: batch pick-and-sort
};

const both = (zh, en) => `${zh} · ${en}`;

/** "补货 · Replenish" for a kind (unknown kinds read as picks). */
export function kindTitle(kind) {
  const k = KINDS[kind] || KINDS.pick;
  return both(k.zh, k.en);
}

/** Is this step a put (replenish's last step, every putaway step)? */
function putting(task) {
  return task.kind === "putaway" || (task.kind === "replenish" && task.step === task.steps.length - 1);
}

/** Mark the page for a non-pick task: data-kind on <body>, the kind in the step line, the action
 *  under "Go to", and a blind count hides the expected quantity. Picks are left as they are. */
export function decorateTask(task, el, body) {
  const kind = (task && task.kind) || "pick";
  body.dataset.kind = kind;
  delete el.location.dataset.long;
  if (task && kind === "pick") decorateHandOver(task, el); // issue 11: zone hand-over
  if (!task || kind === "pick" || task.step >= task.steps.length) return;
  el.stepOf.textContent = `${kindTitle(kind)} — ${el.stepOf.textContent}`;
  if (kind === "putback") {
    const station = task.source === "pack" ? task.station || "?" : ""; // a voided parcel: units at the pack bench
    el.locationLabel.textContent = task.at_location
      ? both("放回此库位（扫描库位条码）", "Put it back in this bin (scan the bin)")
      : station
        ? both(`到打包台 ${station} 取已装箱的商品，扫描要放回的商品`, `Collect the packed units at pack station ${station}, scan the unit to put back`)
        : both("扫描要放回的商品", "Scan the unit to put back");
    if (station) el.tote.textContent = both(`打包台 ${station}`, `Station ${station}`); // not a pick tote
  } else if (kind === "sort") {
    const step = task.steps[task.step] || {};
    el.locationLabel.textContent = both("从批次周转箱取一件扫描，再扫描格口", "Take a unit from the batch tote, scan it, then its slot");
    el.tote.textContent = both(`格口 ${step.tote ?? "?"}`, `Slot ${step.tote ?? "?"}`);
    el.shortButton.disabled = true; // nothing to short at the wall: a missing unit is a problem report
  } else if (kind === "return") {
    el.locationLabel.textContent = task.at_location
      ? both("逐件扫描退货商品（序列号商品扫 GS1 条码）", "Scan each returned unit (serial items: the GS1 code)")
      : both("到退货道口扫描包裹", "Scan the parcel at dock");
  } else if (kind === "count") {
    el.locationLabel.textContent = task.at_location
      ? both("扫描商品，完成后再扫库位", "Scan items, then the location again to finish")
      : both("到库位盘点", "Go count at");
    el.needed.textContent = "?"; // blind: the counter never sees the expected quantity
    el.picked.textContent = "–";
  } else if (!task.at_location) {
    el.locationLabel.textContent = putting(task) ? both("放到", "Put to") : both("从此取货", "Take from");
  }
}

/** The line to show for a verdict of a non-pick task; null for picks (feedback.js words them). */
export function kindVerdictMessage(frame) {
  const kind = frame.kind || "pick";
  if (kind === "pick") return handOverVerdict(frame); // issue 11: null unless a zone hand-over line
  const expected = frame.expected || {};
  if (kind === "sort") {
    const word = sortVerdict(frame);
    if (word) return word;
  }
  if (kind === "return") {
    const word = returnVerdict(frame, expected);
    if (word) return word;
  }
  if (kind === "putback") {
    const word = putbackVerdict(frame, expected);
    if (word) return word;
  }
  switch (frame.verdict) {
    case "ok":
      if (frame.task_done) return both(`${KINDS[kind].zh}完成`, `${KINDS[kind].en} complete`);
      if (expected.location && frame.barcode === expected.location) {
        return kind === "count" ? both("已到库位，开始盘点", "At location — count the items")
          : both("库位正确，扫描商品", "Location OK — scan the item");
      }
      if (kind === "count") return both("已记录", "Counted");
      if (frame.picked === 0) return both(`下一步：${expected.location || ""}`, `Next: ${expected.location || ""}`);
      return both(`已移动 ${frame.picked} / ${expected.quantity ?? "?"}`, `Moved ${frame.picked} of ${expected.quantity ?? "?"}`);
    case "wrong_location":
      return both(`库位错误，请到 ${expected.location || "?"}`, `Wrong location — go to ${expected.location || "?"}`);
    case "scan_location_first":
      return both("请先扫描库位", `Scan location ${expected.location || ""} first`);
    case "wrong_item":
      return kind === "count" ? both("不是本次盘点的商品", "Not the SKU being counted")
        : both(`商品错误，应为 ${expected.sku || "?"}`, `Wrong item — move ${expected.sku || "?"}`);
    case "over_pick":
      return both("数量过多", "Too many for this step");
    case "not_your_task":
      return both("不是你的任务，正在刷新", "Not your task — reloading");
    case "unknown_barcode":
      return both(`无法识别 ${frame.barcode || ""}`, `Unknown barcode ${frame.barcode || ""}`);
    default:
      return null;
  }
}

/** Return receipt verdicts (rma_scan.lua): their own wording; null falls back to the shared lines. */
function returnVerdict(frame, expected) {
  switch (frame.verdict) {
    case "ok":
      if (frame.task_done) return both("退货收货完成", "Return received — all units in");
      if (frame.barcode === expected.location) return both("包裹已接收，逐件扫描", "Parcel received — scan each unit");
      return both(`已收货 ${frame.picked} / ${expected.quantity ?? "?"}（${expected.sku || ""}）`,
        `Received ${frame.picked} of ${expected.quantity ?? "?"} (${expected.sku || ""})`);
    case "serial_required":
      return both("该商品需序列号：请扫描含序列号的条码", "Serial-tracked — scan the code with the serial");
    case "repeated_serial":
      return both("该序列号已收过货，拒收", "Serial already received — refused");
    case "wrong_item":
      return both("该商品不在此退货单上", "Not on this return (RMA)");
    case "over_pick":
      return both("该商品已全部收齐", "All units of this item are already received");
    case "scan_location_first":
      return both(`请先扫描道口 ${expected.location || ""}`, `Scan dock ${expected.location || ""} first`);
    case "wrong_location":
      return both(`道口错误，应为 ${expected.location || "?"}`, `Wrong dock — scan ${expected.location || "?"}`);
    default:
      return null;
  }
}

/** Put-back verdicts (putback_scan.lua, issue 7): the unit first, then its bin. */
function putbackVerdict(frame, expected) {
  switch (frame.verdict) {
    case "ok":
      if (frame.task_done) return both("取消回库完成", "Put back — all units are back");
      if (frame.at_location) {
        return both(`放回 ${expected.location || "?"}，扫描库位`, `Put it in ${expected.location || "?"} — scan the bin`);
      }
      return both(`已放回 ${frame.picked} / ${expected.quantity ?? "?"}（${expected.sku || ""}）`,
        `Back ${frame.picked} of ${expected.quantity ?? "?"} (${expected.sku || ""})`);
    case "wrong_kind":
      return frame.expected_kind === "location"
        ? both("请先扫描库位放回手中的商品", "Scan the bin for the unit in hand first")
        : both("请先扫描要放回的商品", "Scan the unit first, then its bin");
    case "wrong_location":
      return both(`库位错误，应放回 ${expected.location || "?"}`, `Wrong bin — put it in ${expected.location || "?"}`);
    case "wrong_item":
      return both("该商品不在此回库任务上", "Not on this put-back");
    case "over_pick":
      return both("该商品已全部放回", "All units of this item are already back");
    default:
      return null;
  }
}

/** Zone picking (issue 11): a tour that receives totes from earlier zones starts by scanning them. */
function decorateHandOver(task, el) {
  const pending = (task.receive || [])[task.received || 0];
  if (!pending || task.step >= task.steps.length) return;
  el.locationLabel.textContent = both(`先扫描 ${pending.zone || "上一区"} 交来的周转箱`,
    `First scan the tote handed over from ${pending.zone || "the previous zone"}`);
  el.location.textContent = pending.tote;
  el.location.dataset.long = "1"; // a tote label is longer than a location code
  el.tote.textContent = both(`放 ${pending.position} 号位`, `Position ${pending.position}`);
}

/** The prompt under a task of issue 11 (a zone tour receiving totes, a put-wall sort); null = the
 *  page's own prompt. */
export function kindPrompt(task) {
  if (!task || task.step >= task.steps.length) return null;
  if (task.kind === "sort") return both("从周转箱取一件扫描", "Scan a unit from the batch tote");
  const pending = (task.receive || [])[task.received || 0];
  if (pending) return both(`扫描交接周转箱 ${pending.tote}`, `Scan the handed-over tote ${pending.tote}`);
  return null;
}

/** Zone hand-over lines on pick verdicts (issue 11); null leaves the verdict to feedback.js. */
function handOverVerdict(frame) {
  const handover = frame.handover || [];
  if (frame.task_done && handover.length) {
    const zh = handover.map((h) => `周转箱 ${h.tote} 交给 ${h.zone} 区`).join("；");
    const en = handover.map((h) => `tote ${h.tote} to zone ${h.zone}`).join("; ");
    return both(`本区完成，请交接：${zh}`, `Zone done — hand over ${en}`);
  }
  const next = frame.receive;
  if (frame.verdict === "tote_received") {
    return next ? both(`已接收，再扫描周转箱 ${next.tote}`, `Received — now scan tote ${next.tote}`)
      : both("交接周转箱已全部接收，开始拣货", "Handed-over totes in — start picking");
  }
  if (next && (frame.verdict === "wrong_tote" || frame.verdict === "wrong_kind")) {
    return both(`请先扫描 ${next.zone || ""} 区交来的周转箱 ${next.tote}`,
      `Scan the tote handed over from ${next.zone || "the previous zone"} first: ${next.tote}`);
  }
  return null;
}

/** Put-wall sort verdicts (sort_scan.lua, issue 11): the slot a unit goes to, in both languages. */
function sortVerdict(frame) {
  const slot = frame.slot || {};
  switch (frame.verdict) {
    case "put_to_slot":
      return both(`放入格口 ${slot.label}（订单 ${slot.order_id}），再扫描格口`,
        `Put it in slot ${slot.label} (order ${slot.order_id}), then scan the slot`);
    case "ok":
      if (frame.task_done) return both("分拣完成，订单去打包", "Sort complete — orders go to packing");
      if (frame.order_done) return both(`订单 ${slot.order_id} 已齐，可打包（格口 ${slot.label}）`,
        `Order ${slot.order_id} complete — to packing (slot ${slot.label})`);
      return both(`已放入格口 ${slot.label}，取下一件`, `In slot ${slot.label} — next unit`);
    case "wrong_slot":
      return both(`格口错误，应放入 ${slot.label}`, `Wrong slot — this unit goes in ${slot.label}`);
    case "scan_slot_first":
      return both(`手中商品先放入格口 ${slot.label}`, `Put the unit in hand in slot ${slot.label} first`);
    case "scan_item_first":
      return both("请先从周转箱取一件扫描", "Scan a unit from the tote first");
    case "wrong_item":
      return both("该商品不在本批次", "Not in this batch");
    case "over_pick":
      return both("该商品已全部分拣", "Every unit of this item is already sorted");
    default:
      return null;
  }
}

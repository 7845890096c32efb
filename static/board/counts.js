// Count variances on the board (issue 9): a count whose variance is beyond tolerance raises a
// `count_variance` exception whose `reference` is the count id; the supervisor approves (books the
// adjustment) or rejects it right there. The decision resolves the exception (an
// exception_resolved event removes the row on every board). zh-CN + English.

import { apiFetch } from "/static/shared/api.js";
import { h } from "/static/shared/dom.js";

const TEXT = { approve: "批准盘点 · Approve count", reject: "驳回 · Reject", failed: "失败 · failed" };

/** Buttons for a count_variance exception row ([] for every other kind).
 *  `ctx`: {token(), warehouse(), onError(message)}. */
export function countButtons(exception, ctx) {
  if (exception.kind !== "count_variance" || !exception.reference) return [];
  const decide = async (decision, button) => {
    button.disabled = true;
    try {
      const path = `/api/counts/${encodeURIComponent(exception.reference)}/decision`;
      await apiFetch(path, { method: "POST", token: ctx.token(), body: { decision, note: "", warehouse: ctx.warehouse() } });
    } catch (error) {
      button.disabled = false;
      ctx.onError(`${decision} ${TEXT.failed}: ${error.message}`);
    }
  };
  const approve = h("button", { type: "button", class: "warn", dataset: { action: "approve-count" } }, TEXT.approve);
  const reject = h("button", { type: "button", dataset: { action: "reject-count" } }, TEXT.reject);
  approve.onclick = () => decide("approve", approve);
  reject.onclick = () => decide("reject", reject);
  return [approve, reject];
}

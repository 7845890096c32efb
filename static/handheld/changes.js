// What changed between the task the picker had and the one the server just sent: the page says
// so plainly (a supervisor reassigned the work, a short pick re-routed the remaining steps, the
// current step moved to another location).

function stepKey(step) {
  return step ? `${step.location}|${step.sku}|${step.quantity}|${step.order_id}|${step.lot || ""}` : "";
}

/** null (nothing the picker must know), or {key, params} for i18n. */
export function describeChange(before, after) {
  if (!before || !Array.isArray(before.steps) || before.step >= before.steps.length) return null;
  if (!after) return { key: "change.taken", params: {} };
  if (after.task_id !== before.task_id) return { key: "change.reassigned", params: { task: after.task_id } };
  const was = before.steps[before.step];
  const now = after.steps[after.step];
  if (now && was && after.step === before.step && was.location !== now.location) {
    return { key: "change.step", params: { location: now.location } };
  }
  const rest = (task) => task.steps.slice(task.step + 1).map(stepKey).join(",");
  if (after.step === before.step && rest(before) !== rest(after)) return { key: "change.route", params: {} };
  return null;
}

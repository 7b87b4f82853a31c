// Admin tab "alerts": its owner module fills it in. The tab stays hidden while the node has no such
// API (admin.js probes it), so this placeholder is never shown on a node without the module.
import { t } from "./common.js";

export function renderAlerts(pane) {
  pane.textContent = t("admin.tab.alerts");
}

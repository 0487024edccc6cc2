/**
 * The status page: a static page that reads status/status.json, which the metrics schedule writes beside it every
 * five minutes. It never calls the API, so it keeps working while the API is down. Everything is built with
 * textContent, never HTML, so an incident's words cannot become markup.
 */
import '../styles/tokens.css';
import '../styles/base.css';
import './status.css';

type Health = 'operational' | 'maintenance' | 'degraded' | 'outage';

interface Day {
  date: string;
  status: 'operational' | 'degraded' | 'outage' | 'no_data';
  uptime: number | null;
}

interface Component {
  id: string;
  name: string;
  status: Health;
  detail: string;
  uptime_90d: number | null;
  days: Day[];
}

interface IncidentUpdate {
  id: string;
  status: string;
  message: string;
  created_at: string;
}

interface Incident {
  id: string;
  title: string;
  impact: 'minor' | 'major' | 'maintenance';
  components: string[];
  status: string;
  created_at: string;
  resolved_at: string | null;
  updates: IncidentUpdate[];
}

interface StatusDocument {
  generated_at: string;
  overall: Health;
  components: Component[];
  incidents: Incident[];
}

const FILE = '/status/status.json';
const REFRESH_MS = 60_000;
// Older than this, the schedule itself may have stopped: the page says so rather than look reassuring.
const STALE_MS = 20 * 60_000;
const HEALTH_TEXT: Record<Health, string> = {
  operational: 'Operational',
  maintenance: 'Under maintenance',
  degraded: 'Degraded',
  outage: 'Outage',
};
const OVERALL_TEXT: Record<Health, string> = {
  operational: 'All systems are working.',
  maintenance: 'Planned maintenance is under way.',
  degraded: 'Some things are slower or failing more than usual.',
  outage: 'Part of Pixmint is down.',
};
const STATE_TEXT: Record<string, string> = {
  investigating: 'Investigating',
  identified: 'Cause identified',
  monitoring: 'Fix in place, watching',
  resolved: 'Resolved',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function day(iso: string): string {
  return new Date(`${iso}T00:00:00Z`).toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
}

function percent(value: number): string {
  return `${value.toLocaleString(undefined, { maximumFractionDigits: 2 })}%`;
}

function renderComponent(component: Component): HTMLElement {
  const item = el('li', { class: 'status-component', 'data-testid': 'status-component', 'data-status': component.status });
  const head = el('div', { class: 'status-component-head' });
  head.append(el('h3', {}, component.name), el('span', { class: `status-badge status-${component.status}` }, HEALTH_TEXT[component.status]));
  item.append(head, el('p', { class: 'status-detail' }, component.detail));
  const bars = el('ol', { class: 'uptime-bars', 'aria-hidden': 'true' });
  for (const d of component.days) {
    const label = d.uptime === null ? `${day(d.date)}: no data` : `${day(d.date)}: ${percent(d.uptime)} uptime`;
    bars.append(el('li', { class: `uptime-bar uptime-${d.status}`, title: label }));
  }
  const bad = component.days.filter((d) => d.status === 'outage');
  const summary =
    component.uptime_90d === null
      ? 'No uptime recorded yet.'
      : `${percent(component.uptime_90d)} uptime over the last 90 days` +
        (bad.length ? `; outages on ${bad.map((d) => day(d.date)).join(', ')}.` : '; no outage.');
  item.append(bars, el('p', { class: 'uptime-summary', 'data-testid': 'uptime-summary' }, summary));
  return item;
}

function renderIncident(incident: Incident): HTMLElement {
  const item = el('li', { class: 'status-incident', 'data-testid': 'status-incident' });
  item.append(el('h3', {}, incident.title));
  const meta = `${STATE_TEXT[incident.status] ?? incident.status} · ${incident.impact === 'maintenance' ? 'maintenance' : `${incident.impact} impact`} · since ${when(incident.created_at)}`;
  item.append(el('p', { class: 'status-detail' }, meta));
  const timeline = el('ol', { class: 'incident-updates' });
  for (const update of [...incident.updates].reverse()) {
    const entry = el('li');
    entry.append(el('strong', {}, `${STATE_TEXT[update.status] ?? update.status}: `), document.createTextNode(update.message));
    entry.append(el('span', { class: 'status-detail' }, ` (${when(update.created_at)})`));
    timeline.append(entry);
  }
  item.append(timeline);
  return item;
}

function render(root: HTMLElement, document_: StatusDocument): void {
  const nodes: Node[] = [];
  const stale = Date.now() - new Date(document_.generated_at).getTime() > STALE_MS;
  const banner = el('p', { class: `status-banner status-${document_.overall}`, 'data-testid': 'status-overall' }, OVERALL_TEXT[document_.overall]);
  nodes.push(banner);
  nodes.push(el('p', { class: 'status-detail', 'data-testid': 'status-updated' }, `Checked ${when(document_.generated_at)}.`));
  if (stale) {
    nodes.push(el('p', { class: 'status-banner status-degraded', role: 'alert' }, 'This status is older than usual: our checks may have stopped. We are looking.'));
  }
  const open = document_.incidents.filter((i) => i.status !== 'resolved');
  const resolved = document_.incidents.filter((i) => i.status === 'resolved');
  if (open.length) {
    nodes.push(el('h2', {}, 'Current incidents'));
    const list = el('ul', { class: 'status-incidents' });
    open.forEach((incident) => list.append(renderIncident(incident)));
    nodes.push(list);
  }
  nodes.push(el('h2', {}, 'Components'));
  const components = el('ul', { class: 'status-components' });
  document_.components.forEach((component) => components.append(renderComponent(component)));
  nodes.push(components);
  nodes.push(el('h2', {}, 'Recently resolved'));
  if (resolved.length) {
    const list = el('ul', { class: 'status-incidents' });
    resolved.forEach((incident) => list.append(renderIncident(incident)));
    nodes.push(list);
  } else {
    nodes.push(el('p', {}, 'No incidents in the last 14 days.'));
  }
  root.replaceChildren(...nodes);
}

async function load(root: HTMLElement): Promise<void> {
  try {
    const reply = await fetch(FILE, { cache: 'no-cache' });
    if (!reply.ok) throw new Error(`HTTP ${reply.status}`);
    render(root, (await reply.json()) as StatusDocument);
  } catch {
    if (!root.querySelector('[data-testid="status-overall"]')) {
      root.replaceChildren(el('p', { class: 'status-banner status-degraded', role: 'alert' }, 'The status could not be loaded. Please try again in a minute.'));
    }
  }
}

const root = document.getElementById('status');
if (root) {
  void load(root);
  setInterval(() => void load(root), REFRESH_MS);
}

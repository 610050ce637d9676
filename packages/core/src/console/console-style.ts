/**
 * The console's one stylesheet, sent inline under the page's CSP nonce. The CSP refuses
 * `style` attributes, so everything the charts colour is coloured here, by class, and follows
 * the light and dark palettes.
 */

export const CONSOLE_STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #59636e; --line: #d1d9e0;
  --accent: #0b5fff; --bad: #b42318; --ok: #067647; --warn: #b54708; --panel: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1;
  --line: #3d444d; --accent: #4c8dff; --bad: #ff7b72; --ok: #3fb950; --warn: #d29922; --panel: #151b23; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header, main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.25rem; margin: 0; } h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; }
.card .label { color: var(--muted); font-size: .85rem; } .card .value { font-size: 1.25rem; font-weight: 600; }
.state-empty { color: var(--ok); } .state-waiting { color: var(--warn); } .state-stalled { color: var(--bad); }
.table { overflow-x: auto; border: 1px solid var(--line); border-radius: .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; } tr:last-child td { border-bottom: 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; word-break: break-all; }
button, input { font: inherit; }
button { border: 1px solid var(--line); background: var(--panel); color: var(--fg); border-radius: .4rem; padding: .35rem .7rem; cursor: pointer; min-height: 2.25rem; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.actions { display: flex; flex-wrap: wrap; gap: .4rem; }
.superseded { margin-top: .5rem; padding: .5rem; border-left: 3px solid var(--warn); background: var(--panel); }
.superseded p { margin: 0 0 .35rem; color: var(--warn); font-weight: 600; }
.superseded ul { margin: .35rem 0; padding-left: 1.1rem; }
.muted { color: var(--muted); } .error { color: var(--bad); }
#message { min-height: 1.5rem; max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
dialog { width: min(48rem, 95vw); border: 1px solid var(--line); border-radius: .5rem; background: var(--bg); color: var(--fg); }
dialog::backdrop { background: rgb(0 0 0 / .4); }
pre { background: var(--panel); padding: .75rem; border-radius: .4rem; overflow: auto; max-height: 60vh; font-size: .85rem; }
form.sign-in { max-width: 24rem; margin: 4rem auto; display: grid; gap: .75rem; padding: 1rem; }
input[type=password] { padding: .5rem; border: 1px solid var(--line); border-radius: .4rem; background: var(--bg); color: var(--fg); }
/* The silence badge: the first thing on the page while Passfort is silent. */
.silence { margin-top: 1rem; padding: .75rem 1rem; border: 2px solid var(--bad); border-left-width: .5rem; border-radius: .5rem; background: var(--panel); }
.silence h2 { margin: 0; color: var(--bad); font-size: 1.1rem; } .silence p { margin: .35rem 0 0; }
/* Charts: inline SVG coloured by these classes (the CSP refuses style attributes). */
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr)); gap: .75rem; }
.chart { margin: 0; min-width: 0; background: var(--panel); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; }
.chart figcaption { font-weight: 600; margin-bottom: .35rem; }
.chart svg { display: block; width: 100%; height: auto; }
.chart text { fill: var(--muted); font-size: 12px; }
/* SVG text scales with the chart: on a phone's narrow column, larger units keep it near 12 px. */
@media (max-width: 30rem) { .chart text { font-size: 14px; } }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .hit { fill: transparent; } .chart .minute:hover .hit { fill: var(--line); }
.chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; pointer-events: none; }
.chart circle { pointer-events: none; }
.chart .deadline { stroke-width: 1.5; } .chart text.deadline-label { fill: var(--bad); font-weight: 600; }
.chart details { margin-top: .5rem; font-size: .9rem; } .chart summary { cursor: pointer; }
.legend { display: flex; flex-wrap: wrap; gap: .2rem .9rem; list-style: none; margin: .5rem 0 0; padding: 0; font-size: .85rem; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: .15rem; margin-right: .3rem; vertical-align: -.05rem; }
.k-processed { fill: var(--ok); background: var(--ok); } .k-duplicates { fill: var(--muted); background: var(--muted); }
.k-echoes { fill: var(--accent); background: var(--accent); } .k-failures { fill: var(--warn); background: var(--warn); }
.k-dead-lettered { fill: var(--bad); background: var(--bad); }
.k-p50 { stroke: var(--accent); fill: var(--accent); background: var(--accent); }
.k-p99 { stroke: var(--warn); fill: var(--warn); background: var(--warn); }
.k-deadline { stroke: var(--bad); background: var(--bad); }
`;

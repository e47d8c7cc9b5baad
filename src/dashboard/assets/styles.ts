/**
 * The page's stylesheet, served at `assets/app.css` (the Content-Security-Policy allows no inline
 * style). Series colours: s1 lag, s2 pending, s3 length, s4 dead letters.
 *
 * Responsive from a 360 px phone up: nothing is wider than the window. Tiles wrap (a tile is never
 * narrower than its value, so an age is never cut short), group cards shrink to the window, wide
 * tables scroll inside their own box, and below 700 px each dead letter is a card whose buttons
 * sit on their own line.
 */
export const APP_STYLES = String.raw`
:root {
  --bg: #f5f6f8; --panel: #fff; --text: #1d2330; --muted: #6b7385; --line: #e2e5eb;
  --accent: #c6302b; --ok: #1f8a4c; --warn: #b86e00; --bad: #c6302b;
  --s1: #d9480f; --s2: #1c7ed6; --s3: #2b8a3e; --s4: #862e9c;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { margin: 0; padding: 0; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
.mono { font-family: var(--mono); font-size: 12.5px; word-break: break-all; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 14px; padding: 10px 20px; background: #1d2330; color: #fff; }
.top h1 { margin: 0; font-size: 17px; font-weight: 600; display: flex; align-items: center; gap: 8px; white-space: nowrap; }
.logo { width: 14px; height: 14px; border-radius: 3px; background: var(--accent); display: inline-block; }
.top .status { margin-left: auto; color: #c9cfdb; font-size: 12.5px; }
.top .status.error { color: #ffb4ae; }
.layout { display: grid; grid-template-columns: 260px 1fr; min-height: calc(100vh - 44px); }
.channels { background: var(--panel); border-right: 1px solid var(--line); padding: 10px 0; overflow-y: auto; }
.nav-title { padding: 4px 16px 8px; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.channel { display: block; padding: 8px 16px; color: inherit; text-decoration: none; border-left: 3px solid transparent; }
.channel:hover { background: #f0f2f6; }
.channel.active { background: #fdf0ef; border-left-color: var(--accent); }
.channel .name { display: block; font-family: var(--mono); font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.channel .meta { display: flex; gap: 4px; flex-wrap: wrap; margin-top: 3px; }
.pill { font-size: 11px; padding: 0 6px; border-radius: 9px; background: #eef0f4; color: var(--muted); }
.pill .pill-label { opacity: .75; }
.pill.warn { background: #fff2db; color: var(--warn); }
.pill.bad { background: #fde4e2; color: var(--bad); }
.pill.muted { background: #e9e9ee; color: #555; }
.main { padding: 18px 24px 40px; min-width: 0; }
.head { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
.head h2 { margin: 0 0 12px; font-size: 18px; }
.flash { padding: 6px 12px; border-radius: 6px; margin-bottom: 12px; font-size: 13px; }
.flash.ok { background: #e3f6ea; color: var(--ok); }
.flash.bad { background: #fde4e2; color: var(--bad); }
/* Flex, not a grid of equal columns: a tile is as wide as its value at least, so an age is never
   cut short, and tiles wrap when a line is full. They grow to fill a line up to 280 px (a tile
   alone on its line stays a tile); only a value wider than that, or than the window, is cut. */
.cards, .figures { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 14px; }
.card { flex: 1 1 150px; max-width: min(100%, 280px); background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.figures .card { background: #fafbfc; }
.group .figures { gap: 6px; margin-bottom: 8px; }
.group .figures .card { flex-basis: 80px; }
.group .card { padding: 5px 8px; }
.group .card .label { font-size: 11px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.group .card .value { font-size: 16px; }
.card .label { display: block; color: var(--muted); font-size: 12px; }
.card .value { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 19px; font-weight: 600; font-variant-numeric: tabular-nums; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
.panel h3 { margin: 0 0 10px; font-size: 15px; }
.panel-head { display: flex; align-items: center; justify-content: space-between; gap: 10px; flex-wrap: wrap; margin-bottom: 8px; }
.panel-head h3 { margin: 0; }
.groups { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(420px, 100%), 1fr)); gap: 14px; }
.group { min-width: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.group.stale { background: #f7f7f9; }
.group header { display: flex; align-items: center; justify-content: space-between; gap: 8px; margin-bottom: 8px; }
.group h4 { margin: 0; font-weight: 600; }
.group .sub { margin: 4px 0 8px; color: var(--muted); font-size: 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 9px; font-size: 11.5px; font-weight: 600; background: #eef0f4; color: var(--muted); }
.badge.ok { background: #e3f6ea; color: var(--ok); }
.badge.muted { background: #e9e9ee; color: #555; }
.badge.reason { background: #fde4e2; color: var(--bad); font-weight: 500; }
.top .badge { background: #3a4254; color: #fff; }
.chart-wrap { margin: 0; }
.chart { width: 100%; height: auto; display: block; }
.chart .grid { stroke: #eceef2; stroke-width: 1; }
.chart .tick { fill: #8a91a1; font-size: 10px; font-family: var(--mono); }
.chart .empty { fill: #9aa1b0; font-size: 13px; }
.chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
.line.s1, .dot.s1 { stroke: var(--s1); fill: var(--s1); } .line.s2, .dot.s2 { stroke: var(--s2); fill: var(--s2); }
.line.s3, .dot.s3 { stroke: var(--s3); fill: var(--s3); } .line.s4, .dot.s4 { stroke: var(--s4); fill: var(--s4); }
.chart .line { fill: none; }
.legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); margin-top: 2px; }
.legend b { color: var(--text); font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 10px; height: 3px; margin-right: 5px; vertical-align: middle; border-radius: 2px; }
.swatch.s1 { background: var(--s1); } .swatch.s2 { background: var(--s2); } .swatch.s3 { background: var(--s3); } .swatch.s4 { background: var(--s4); }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { white-space: nowrap; text-align: left; color: var(--muted); font-weight: 500; font-size: 12px; border-bottom: 1px solid var(--line); padding: 4px 6px; }
td { border-bottom: 1px solid #f0f1f4; padding: 5px 6px; vertical-align: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
tr.idle td { color: var(--muted); }
.scroll { overflow-x: auto; }
.error-cell { max-width: 0; width: 45%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.event { min-width: 160px; }
td.event .name { display: block; font-weight: 600; }
td.event .grp { display: block; color: var(--muted); font-size: 11.5px; }
tr.details td { background: #fafbfc; }
tr.details h5 { margin: 10px 0 4px; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
pre { margin: 0; padding: 8px 10px; background: #f1f3f6; border-radius: 6px; font: 12px/1.4 var(--mono); white-space: pre-wrap; word-break: break-word; max-height: 260px; overflow: auto; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.meta dt { color: var(--muted); font-size: 12px; }
dl.meta dd { margin: 0; }
.actions { display: flex; gap: 6px; flex-wrap: wrap; }
.btn { font: inherit; font-size: 12.5px; padding: 4px 10px; border-radius: 6px; border: 1px solid #cfd4dd; background: #fff; color: var(--text); cursor: pointer; }
.btn:hover:not([disabled]) { background: #f0f2f6; }
.btn[disabled] { opacity: .45; cursor: default; }
.btn.danger { color: var(--bad); border-color: #efc2bf; }
.btn.small { padding: 1px 7px; font-size: 12px; margin-right: 3px; }
.empty { color: var(--muted); margin: 6px 0; }
.empty.big { font-size: 15px; margin-top: 40px; text-align: center; }
@media (max-width: 800px) { .layout { grid-template-columns: 1fr; } .channels { border-right: 0; border-bottom: 1px solid var(--line); } }
@media (max-width: 700px) {
  .top { padding: 8px 12px; }
  .main { padding: 12px 12px 32px; }
  .panel { padding: 10px 12px; }
  .group { padding: 8px 10px; }
}
/* Where the dead-letter panel is too narrow for its table (a phone, a narrow window, a window
   beside the channel list), each dead letter is a card: checkbox, time, reason and attempts on a
   line, then the event, the error, and the buttons on their own line, all within the panel. */
#dead-letters { container-type: inline-size; }
@container (max-width: 760px) {
  table.dlq thead { display: none; }
  table.dlq, table.dlq tbody { display: block; }
  table.dlq tr[data-dead-letter-id] { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; padding: 8px 0; border-bottom: 1px solid #f0f1f4; }
  table.dlq tr[data-dead-letter-id] td { border: 0; padding: 0; }
  table.dlq td.event, table.dlq td.error-cell, table.dlq td.row-actions { flex: 1 1 100%; min-width: 0; }
  table.dlq td.error-cell { max-width: none; width: auto; white-space: normal; overflow-wrap: anywhere; }
  table.dlq tr.details { display: block; }
  table.dlq tr.details td { display: block; }
  table.dlq td.attempts::before { content: "attempts "; color: var(--muted); }
  table.dlq .btn.small { padding: 4px 10px; font-size: 12.5px; }
}
`;

/**
 * The page script, part 1: settings from the page, DOM building (text nodes only, never HTML from
 * data), formatting, the JSON API client and the status line. Plain browser JavaScript in a
 * string (no build step); it runs inside the IIFE that `script.ts` wraps around the parts.
 */
export const CLIENT_CORE = String.raw`
var settingsMeta = document.querySelector('meta[name="rs-settings"]');
var csrfMeta = document.querySelector('meta[name="csrf-token"]');
var CSRF = csrfMeta ? csrfMeta.getAttribute('content') || '' : '';
var READ_ONLY = settingsMeta ? settingsMeta.getAttribute('data-read-only') === 'true' : true;
var REFRESH_MS = Math.max(100, Number(settingsMeta ? settingsMeta.getAttribute('data-refresh-ms') : 2000) || 2000);
var SVG_NS = 'http://www.w3.org/2000/svg';

// Attributes come from this script's own names; values go through setAttribute (never parsed as
// HTML). Data only ever reaches the page as text nodes or attribute values.
function setAttrs(el, attrs) {
  if (!attrs) return;
  Object.keys(attrs).forEach(function (key) {
    var value = attrs[key];
    if (value === undefined || value === null || value === false) return;
    if (typeof value === 'function') {
      if (key.slice(0, 2) === 'on') el.addEventListener(key.slice(2), value);
      return;
    }
    el.setAttribute(key, value === true ? '' : String(value));
  });
}

function appendAll(el, children) {
  if (children === undefined || children === null) return;
  if (!Array.isArray(children)) children = [children];
  children.forEach(function (child) {
    if (child === undefined || child === null || child === false) return;
    el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  });
}

/** An HTML element with attributes and children (nodes, or strings as text nodes). */
function h(tag, attrs, children) {
  var el = document.createElement(tag);
  setAttrs(el, attrs);
  appendAll(el, children);
  return el;
}

/** An SVG element. */
function svg(tag, attrs, children) {
  var el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  appendAll(el, children);
  return el;
}

function pad2(n) {
  return n < 10 ? '0' + n : String(n);
}

function fmtNum(n) {
  if (n === null || n === undefined) return '\u2013';
  return Number(n).toLocaleString('en-US');
}

function fmtShort(n) {
  var a = Math.abs(n);
  if (a >= 1e9) return (n / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G';
  if (a >= 1e6) return (n / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
  if (a >= 1e3) return (n / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k';
  return String(Math.round(n * 100) / 100);
}

function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '\u2013';
  if (ms < 1000) return Math.round(ms) + ' ms';
  var s = ms / 1000;
  if (s < 60) return (s < 10 ? s.toFixed(1) : String(Math.round(s))) + ' s';
  var m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + Math.floor(s % 60) + ' s';
  var hours = Math.floor(m / 60);
  if (hours < 24) return hours + ' h ' + (m % 60) + ' min';
  return Math.floor(hours / 24) + ' d ' + (hours % 24) + ' h';
}

function fmtClock(ms) {
  var d = new Date(ms);
  return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
}

function fmtTime(ms) {
  if (!ms) return '\u2013';
  var d = new Date(ms);
  return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + fmtClock(ms);
}

function plural(n, word) {
  return n + ' ' + word + (n === 1 ? '' : 's');
}

/** Calls the JSON API; rejects with the server's message. */
function api(path, options) {
  options = options || {};
  var init = { method: options.method || 'GET', credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (options.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.headers['X-CSRF-Token'] = CSRF;
    init.body = JSON.stringify(options.body);
  }
  return fetch(path, init).then(function (res) {
    return res.text().then(function (text) {
      var data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch (e) {
        data = null;
      }
      if (!res.ok) {
        var err = new Error((data && data.error) || 'HTTP ' + res.status);
        err.status = res.status;
        throw err;
      }
      return data;
    });
  });
}

function channelPath(name) {
  return 'api/channels/' + encodeURIComponent(name);
}

function channelHref(name) {
  return '#/c/' + encodeURIComponent(name);
}

function selectedFromHash() {
  var m = /^#\/c\/(.+)$/.exec(window.location.hash);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch (e) {
    return null;
  }
}

function setStatus(text, isError) {
  var el = document.getElementById('status');
  el.textContent = text;
  el.setAttribute('class', 'status' + (isError ? ' error' : ''));
}

var state = {
  list: null,
  selected: null,
  detail: null,
  missing: null,
  dlq: null,
  checked: {},
  expanded: {},
  flash: null,
  timer: null,
  busy: false,
  again: false
};

function flash(text, kind) {
  state.flash = { text: text, kind: kind, until: Date.now() + 6000 };
  renderMain();
}

function flashNode() {
  if (!state.flash || state.flash.until < Date.now()) return null;
  return h('div', { class: 'flash ' + state.flash.kind, role: 'alert' }, state.flash.text);
}
`;

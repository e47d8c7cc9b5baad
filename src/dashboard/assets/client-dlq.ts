/**
 * The page script, part 4: a channel's dead letters (reason, error, stack, body), selectable,
 * replayable and purgeable after a confirmation, paged with "load more".
 */
export const CLIENT_DLQ = String.raw`
function loadDlq(channel, start) {
  var path = channelPath(channel) + '/dlq?count=50' + (start ? '&start=' + encodeURIComponent(start) : '');
  return api(path).then(function (page) {
    var items = start && state.dlq && state.dlq.channel === channel ? state.dlq.items.concat(page.deadLetters) : page.deadLetters;
    state.dlq = { channel: channel, total: page.total, items: items, next: page.next };
  });
}

function selectedIds() {
  return Object.keys(state.checked).filter(function (id) {
    return state.checked[id];
  });
}

function act(action, ids) {
  var channel = state.selected;
  var what = ids === 'all' ? 'all ' + plural(state.dlq ? state.dlq.total : 0, 'dead letter') : plural(ids.length, 'dead letter');
  var question =
    action === 'replay'
      ? 'Replay ' + what + ' of channel "' + channel + '" to the groups that failed them?'
      : 'Delete ' + what + ' of channel "' + channel + '" for good? This cannot be undone.';
  if (!window.confirm(question)) return;
  api(channelPath(channel) + '/dlq/' + action, { method: 'POST', body: ids === 'all' ? { all: true } : { ids: ids } }).then(
    function (r) {
      var text = action === 'replay' ? 'Replayed ' + plural(r.replayed, 'dead letter') : 'Purged ' + plural(r.purged, 'dead letter');
      if (r.missing && r.missing.length) text += ' (' + r.missing.length + ' no longer there)';
      state.checked = {};
      state.dlq = null;
      flash(text, 'ok');
      refresh();
    },
    function (err) {
      flash(err.message, 'bad');
    }
  );
}

function button(label, attrs, onclick) {
  var a = Object.assign({ type: 'button', class: 'btn' }, attrs || {});
  a.onclick = onclick;
  return h('button', a, label);
}

function dlqActions() {
  if (READ_ONLY) return h('span', { class: 'badge muted' }, 'read-only');
  var ids = selectedIds();
  var none = !state.dlq || state.dlq.total === 0;
  return h('div', { class: 'actions' }, [
    button('Replay selected (' + ids.length + ')', { disabled: ids.length === 0, 'data-action': 'replay-selected' }, function () { act('replay', ids); }),
    button('Purge selected (' + ids.length + ')', { disabled: ids.length === 0, class: 'btn danger', 'data-action': 'purge-selected' }, function () { act('purge', ids); }),
    button('Replay all', { disabled: none, 'data-action': 'replay-all' }, function () { act('replay', 'all'); }),
    button('Purge all', { disabled: none, class: 'btn danger', 'data-action': 'purge-all' }, function () { act('purge', 'all'); })
  ]);
}

function prettyBody(text) {
  if (text === undefined) return '(none)';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (e) {
    return text;
  }
}

function detailRow(d) {
  var others = {};
  Object.keys(d.fields).forEach(function (k) {
    if (k !== 'body') others[k] = d.fields[k];
  });
  var meta = [
    ['Dead-letter id', d.deadLetterId],
    ['Entry id', d.id],
    ['Consumer', d.consumer],
    ['First failure', fmtTime(d.firstFailureMs)],
    ['Last failure', fmtTime(d.lastFailureMs)]
  ];
  return h('tr', { class: 'details', 'data-details-of': d.deadLetterId }, [
    h('td', { colspan: 7 }, [
      h('dl', { class: 'meta' }, meta.map(function (m) {
        return [h('dt', null, m[0]), h('dd', { class: 'mono' }, m[1])];
      }).reduce(function (a, b) { return a.concat(b); }, [])),
      h('h5', null, 'Error'),
      h('pre', { class: 'error-text' }, d.error || '(none)'),
      h('h5', null, 'Stack'),
      h('pre', { class: 'stack' }, d.stack || '(none recorded)'),
      h('h5', null, 'Body'),
      h('pre', { class: 'body' }, prettyBody(d.fields.body)),
      h('h5', null, 'Other fields'),
      h('pre', null, JSON.stringify(others, null, 2))
    ])
  ]);
}

function dlqRow(d) {
  var id = d.deadLetterId;
  var open = !!state.expanded[id];
  var cells = [
    h('td', null, READ_ONLY ? null : h('input', { type: 'checkbox', 'aria-label': 'select ' + id, checked: !!state.checked[id], onchange: function (e) { state.checked[id] = e.target.checked; renderMain(); } })),
    h('td', { class: 'nowrap', title: 'last failure' }, d.lastFailureMs ? [fmtTime(d.lastFailureMs).slice(0, 10), h('br'), fmtClock(d.lastFailureMs)] : '\u2013'),
    h('td', { class: 'nowrap' }, h('span', { class: 'badge reason' }, d.reason)),
    h('td', { class: 'event' }, [h('span', { class: 'mono name' }, d.name === undefined ? '(no name)' : d.name), h('span', { class: 'mono grp', title: 'group' }, d.group)]),
    h('td', { class: 'num attempts' }, fmtNum(d.attempts)),
    h('td', { class: 'error-cell', title: d.error }, d.error),
    h('td', { class: 'nowrap row-actions' }, [
      button(open ? 'Hide' : 'Details', { class: 'btn small', 'data-action': 'details' }, function () { state.expanded[id] = !open; renderMain(); }),
      READ_ONLY ? null : button('Replay', { class: 'btn small', 'data-action': 'replay' }, function () { act('replay', [id]); }),
      READ_ONLY ? null : button('Purge', { class: 'btn small danger', 'data-action': 'purge' }, function () { act('purge', [id]); })
    ])
  ];
  var row = h('tr', { 'data-dead-letter-id': id }, cells);
  return open ? [row, detailRow(d)] : [row];
}

function dlqSection() {
  var q = state.dlq;
  var total = q ? q.total : state.detail.channel.deadLetters;
  var head = h('div', { class: 'panel-head' }, [h('h3', null, 'Dead letters (' + fmtNum(total) + ')'), dlqActions()]);
  if (!q || q.items.length === 0) return h('section', { class: 'panel', id: 'dead-letters' }, [head, h('p', { class: 'empty' }, 'No dead letters.')]);
  var rows = q.items.map(dlqRow).reduce(function (a, b) { return a.concat(b); }, []);
  var table = h('table', { class: 'dlq' }, [
    h('thead', null, h('tr', null, ['', 'Dead-lettered', 'Reason', 'Event / group', 'Attempts', 'Error', ''].map(function (t) { return h('th', null, t); }))),
    h('tbody', null, rows)
  ]);
  var more = q.next ? button('Load more', { class: 'btn', 'data-action': 'more' }, function () { loadDlq(q.channel, q.next).then(renderMain, function (err) { flash(err.message, 'bad'); }); }) : null;
  return h('section', { class: 'panel', id: 'dead-letters' }, [head, h('div', { class: 'scroll' }, table), more]);
}
`;

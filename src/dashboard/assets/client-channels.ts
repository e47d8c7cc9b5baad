/**
 * The page script, part 3: the channel list, and one channel's view: its figures, its stream
 * chart, and each group (live or stale) with its lag and pending chart and its consumers.
 */
export const CLIENT_CHANNELS = String.raw`
function totalLag(c) {
  var known = c.groups.filter(function (g) {
    return g.lag !== null;
  });
  if (known.length === 0) return null;
  return known.reduce(function (sum, g) {
    return sum + g.lag;
  }, 0);
}

function pill(label, value, kind) {
  return h('span', { class: 'pill ' + (kind || ''), title: label }, [h('span', { class: 'pill-label' }, label), ' ' + value]);
}

function renderChannelList() {
  var nav = document.getElementById('channels');
  var list = state.list;
  var title = 'Channels (' + fmtNum(list.total) + (list.total > list.channels.length ? ', first ' + list.channels.length + ' shown' : '') + ')';
  var items = list.channels.map(function (c) {
    var lag = totalLag(c);
    var stale = c.groups.filter(function (g) {
      return !g.live;
    }).length;
    return h('a', { class: 'channel' + (c.channel === state.selected ? ' active' : ''), href: channelHref(c.channel), 'data-channel': c.channel }, [
      h('span', { class: 'name', title: c.channel }, c.channel),
      h('span', { class: 'meta' }, [
        pill('len', fmtShort(c.length), ''),
        pill('lag', lag === null ? '\u2013' : fmtShort(lag), lag ? 'warn' : ''),
        c.deadLetters > 0 ? pill('dlq', fmtShort(c.deadLetters), 'bad') : null,
        stale > 0 ? pill('stale', stale, 'muted') : null
      ])
    ]);
  });
  if (items.length === 0) items = [h('p', { class: 'empty' }, 'No streams yet.')];
  nav.replaceChildren.apply(nav, [h('div', { class: 'nav-title' }, title)].concat(items));
}

function card(label, value, key, title) {
  return h('div', { class: 'card', 'data-metric': key, title: title }, [h('span', { class: 'label' }, label), h('span', { class: 'value' }, value)]);
}

function ageOf(ms) {
  if (ms === null || ms === undefined) return '\u2013';
  return fmtDuration(Math.max(0, state.detail.at - ms)) + ' ago';
}

function consumersTable(consumers) {
  if (consumers.length === 0) return h('p', { class: 'empty' }, 'No consumers.');
  var rows = consumers.map(function (k) {
    return h('tr', { 'data-consumer': k.name, class: k.idleMs > 300000 ? 'idle' : '' }, [
      h('td', { class: 'mono' }, k.name),
      h('td', { class: 'num' }, fmtNum(k.pending)),
      h('td', { class: 'num' }, fmtDuration(k.idleMs))
    ]);
  });
  return h('div', { class: 'scroll' }, h('table', { class: 'consumers' }, [
    h('thead', null, h('tr', null, [h('th', null, 'Consumer'), h('th', { class: 'num' }, 'Pending'), h('th', { class: 'num' }, 'Idle')])),
    h('tbody', null, rows)
  ]));
}

function groupCard(g, samples) {
  var points = function (field) {
    return samples.map(function (s) {
      return [s.t, s[field]];
    });
  };
  return h('article', { class: 'group ' + (g.live ? 'live' : 'stale'), 'data-group': g.name }, [
    h('header', null, [
      h('h4', { class: 'mono' }, g.name),
      h('span', { class: 'badge ' + (g.live ? 'ok' : 'muted'), title: g.live ? 'holds retention back' : 'stale: no longer holds retention back' }, g.live ? 'live' : 'stale')
    ]),
    h('div', { class: 'figures' }, [
      card('Lag', g.lag === null ? 'unknown' : fmtNum(g.lag), 'lag'),
      card('Pending', fmtNum(g.pending), 'pending'),
      card('Oldest', fmtDuration(g.oldestPendingAgeMs), 'oldest-pending', 'age of the oldest pending entry'),
      card('Consumers', fmtNum(g.consumers.length), 'consumers')
    ]),
    lineChart({
      label: 'lag and pending of ' + g.name,
      width: 400,
      height: 130,
      series: [
        { name: 'lag', cls: 's1', points: points('lag') },
        { name: 'pending', cls: 's2', points: points('pending') }
      ]
    }),
    h('p', { class: 'sub' }, ['last delivered ', h('span', { class: 'mono' }, g.lastDeliveredId)]),
    consumersTable(g.consumers)
  ]);
}

function groupsSection(c, history) {
  var byName = {};
  history.groups.forEach(function (gh) {
    byName[gh.name] = gh.samples;
  });
  var cards = c.groups.map(function (g) {
    return groupCard(g, byName[g.name] || []);
  });
  return h('section', { class: 'panel' }, [
    h('h3', null, 'Groups (' + c.groups.length + ')'),
    cards.length ? h('div', { class: 'groups' }, cards) : h('p', { class: 'empty' }, 'No consumer group reads this channel.')
  ]);
}

// The viewBox follows the room on the page, so the chart keeps its height and its ticks their size
// from a phone to a wide screen.
function streamChartWidth() {
  var main = document.getElementById('main');
  var room = main ? main.clientWidth - 60 : 880;
  return Math.max(300, Math.round(room));
}

function streamSection(history) {
  var samples = history.samples;
  return h('section', { class: 'panel' }, [
    h('h3', null, 'Stream'),
    lineChart({
      label: 'stream length and dead letters',
      width: streamChartWidth(),
      height: 150,
      series: [
        { name: 'length', cls: 's3', points: samples.map(function (s) { return [s.t, s.length]; }) },
        { name: 'dead letters', cls: 's4', points: samples.map(function (s) { return [s.t, s.deadLetters]; }) }
      ]
    })
  ]);
}

function renderMain() {
  var main = document.getElementById('main');
  if (state.missing !== null) {
    main.replaceChildren(h('p', { class: 'empty big' }, ['No channel ', h('b', null, state.missing), ' (it may have been deleted).']));
    return;
  }
  if (state.detail === null) {
    main.replaceChildren(h('p', { class: 'empty big' }, state.list && state.list.channels.length === 0 ? 'No channels yet: streams appear here as soon as they exist.' : 'Loading\u2026'));
    return;
  }
  var c = state.detail.channel;
  main.replaceChildren(
    h('div', { class: 'head' }, [h('h2', { id: 'channel-title', class: 'mono' }, c.channel), flashNode()]),
    h('div', { class: 'cards' }, [
      card('Length', fmtNum(c.length), 'length'),
      card('Dead letters', fmtNum(c.deadLetters), 'dead-letters'),
      card('Groups', fmtNum(c.groups.length), 'groups'),
      card('Oldest entry', ageOf(c.firstEntryMs), 'first-entry'),
      card('Newest entry', ageOf(c.lastEntryMs), 'last-entry')
    ]),
    streamSection(state.detail.history),
    groupsSection(c, state.detail.history),
    dlqSection()
  );
}
`;

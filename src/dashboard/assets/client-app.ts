/**
 * The page script, part 5: the refresh loop (every `refreshMs`, or at once after an action or a
 * channel change; never two at a time) and the start.
 */
export const CLIENT_APP = String.raw`
function loadSelected(list) {
  var selected = selectedFromHash();
  if (selected === null && list.channels.length > 0) selected = list.channels[0].channel;
  if (selected !== state.selected) {
    state.dlq = null;
    state.checked = {};
    state.expanded = {};
  }
  state.selected = selected;
  renderChannelList();
  if (selected === null) {
    state.detail = null;
    return Promise.resolve();
  }
  return api(channelPath(selected)).then(
    function (detail) {
      state.detail = detail;
      state.missing = null;
      var q = state.dlq;
      if (q === null || q.channel !== selected || q.total !== detail.channel.deadLetters) return loadDlq(selected);
    },
    function (err) {
      if (err.status !== 404) throw err;
      state.detail = null;
      state.missing = selected;
    }
  );
}

function loadAll() {
  return api('api/channels').then(function (list) {
    state.list = list;
    return loadSelected(list).then(function () {
      renderMain();
      if (list.samplingError) setStatus('sampling failed: ' + list.samplingError, true);
      else setStatus('updated ' + fmtClock(Date.now()) + ' \u00b7 every ' + fmtDuration(REFRESH_MS), false);
    });
  });
}

function refresh() {
  if (state.busy) {
    state.again = true;
    return;
  }
  state.busy = true;
  clearTimeout(state.timer);
  loadAll()
    .catch(function (err) {
      setStatus(err.message, true);
    })
    .then(function () {
      state.busy = false;
      if (state.again) {
        state.again = false;
        refresh();
      } else state.timer = setTimeout(refresh, REFRESH_MS);
    });
}

function start() {
  var mode = document.getElementById('mode');
  mode.textContent = READ_ONLY ? 'read-only' : '';
  mode.hidden = !READ_ONLY;
  window.addEventListener('hashchange', refresh);
  refresh();
}

start();
`;

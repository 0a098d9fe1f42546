// sim800-emu control page (docs/ui.md). Plain browser JavaScript, no framework, no build:
// served as is from the package's ui/ folder by the control API, and inlined with a trace's
// records into the self-contained page `sim800-emu trace FILE --html` writes. Live data
// comes from the API's event stream (Server-Sent Events read through fetch, so a token
// travels in the Authorization header, never in a URL); the page never polls.
// Everything the modem or the firmware sent is shown as text nodes, never parsed as HTML.
(function () {
  'use strict';

  const traceElement = document.getElementById('sim800-trace');
  const OFFLINE = traceElement !== null;
  const CONSOLE_MAX = 5000; // entries kept in the console
  const TOKEN_KEY = 'sim800-emu-token';

  // ---- DOM helpers -------------------------------------------------------------------

  function h(tag, attrs) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const k of Object.keys(attrs)) {
        const v = attrs[k];
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
        else if (k === 'value') el.value = v;
        else if (k === 'checked') el.checked = !!v;
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (let i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function append(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) child.forEach((c) => append(el, c));
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, text) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const k of Object.keys(attrs || {})) el.setAttribute(k, String(attrs[k]));
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  const fmtT = (ms) => (ms / 1000).toFixed(3);
  const fmtS = (ms) => (ms >= 60000 ? `${Math.floor(ms / 60000)}m${String(Math.floor((ms % 60000) / 1000)).padStart(2, '0')}s` : `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`);

  /** CR, LF and other control bytes spelled out (wire text is latin1, one char a byte), as `sim800-emu trace --text` does. */
  function showBytes(d) {
    let out = '';
    for (const ch of d) {
      const c = ch.charCodeAt(0);
      if (ch === '\r') out += '\\r';
      else if (ch === '\n') out += '\\n';
      else if (ch === '\t') out += '\\t';
      else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) out += '\\x' + c.toString(16).padStart(2, '0');
      else out += ch;
    }
    return out;
  }

  // ---- what the page knows ------------------------------------------------------------

  const S = {
    modem: 0,
    modems: 1,
    label: '',
    dteInput: false,
    catalog: [],
    routes: [],
    view: null,
    at: [],
    timeline: [],
    messages: [],
    wire: [],
    clockT: 0,
    clockAt: performance.now(),
    paused: false,
    held: [],
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    openTopic: null,
    summaries: [],
    window: 'all',
  };

  /** The modem clock now, as far as the page can tell (last sync + host time since). */
  const modemNow = () => (OFFLINE ? S.clockT : S.clockT + (performance.now() - S.clockAt));

  // ---- layout -----------------------------------------------------------------------

  const E = {};

  function card(id, title, extra) {
    const c = h('section', { class: 'card', id }, h('h2', null, title, h('span', { class: 'spacer' }), extra || null));
    E[id] = c;
    return c;
  }

  function build() {
    const app = document.getElementById('app');
    E.dot = h('span', { class: 'dot', title: 'event stream' });
    E.conn = h('span', { class: 'muted' }, OFFLINE ? 'trace' : 'connecting…');
    E.picker = h('select', { id: 'modem-picker', title: 'modem', onchange: () => pickModem(Number(E.picker.value)) });
    E.label = h('span', { class: 'label' });
    E.tokenButton = h('button', { onclick: askToken, title: 'the control API token (needed off loopback)' }, 'token');
    app.appendChild(
      h('header', null, h('h1', null, 'sim800-emu'), OFFLINE ? null : E.picker, E.label, h('span', { class: 'spacer' }), E.dot, E.conn, OFFLINE ? null : E.tokenButton),
    );
    const left = h('div', { class: 'col' });
    const right = h('div', { class: 'col' });
    E.main = h('main', { class: OFFLINE ? 'offline' : '' }, left, right);
    app.appendChild(E.main);

    if (!OFFLINE) {
      E.overviewBody = h('tbody');
      left.appendChild(
        card('overview', 'Fleet', null),
      );
      E.overview.appendChild(
        h('table', null, h('thead', null, h('tr', null, ['#', 'wire', 'DTE', 'power', 'SIM', 'registration', 'rssi', 'bearer', 'MQTT', 'client id', 'faults'].map((x) => h('th', null, x)))), E.overviewBody),
      );
      E.overview.classList.add('hidden');
    }

    // timeline
    E.windowSelect = h(
      'select',
      { onchange: () => ((S.window = E.windowSelect.value), renderTimeline()) },
      h('option', { value: 'all' }, 'whole run'),
      h('option', { value: '60000' }, 'last 60 s'),
      h('option', { value: '600000' }, 'last 10 min'),
    );
    left.appendChild(card('timeline', 'Timeline', E.windowSelect));
    E.timeline.classList.add('timeline');
    E.timelineBox = h('div');
    E.timeline.appendChild(E.timelineBox);

    // console
    E.filter = h('input', { type: 'search', placeholder: 'filter (text or /regex/)', oninput: applyFilter });
    E.showCmd = h('input', { type: 'checkbox', checked: true, onchange: applyFilter });
    E.showUrc = h('input', { type: 'checkbox', checked: true, onchange: applyFilter });
    E.pause = h('button', { onclick: togglePause }, 'pause');
    E.consoleBox = h('div', { class: 'console', id: 'console' });
    left.appendChild(
      card(
        'at',
        'AT console',
        h('span', { class: 'muted', id: 'console-count' }),
      ),
    );
    E.count = E.at.querySelector('#console-count');
    E.at.appendChild(
      h(
        'div',
        { class: 'toolbar' },
        E.filter,
        h('label', null, E.showCmd, ' commands'),
        h('label', null, E.showUrc, ' URCs'),
        OFFLINE ? null : E.pause,
        h('button', { onclick: () => (E.consoleBox.scrollTop = E.consoleBox.scrollHeight) }, 'latest'),
      ),
    );
    E.at.appendChild(E.consoleBox);
    if (!OFFLINE) {
      E.dteLine = h('input', { id: 'dte-line', placeholder: 'AT+CSQ', autocomplete: 'off', maxlength: 556 });
      E.dteForm = h(
        'form',
        { class: 'dte hidden', id: 'dte-form', onsubmit: (ev) => (ev.preventDefault(), typeLine()) },
        h('span', { class: 'muted mono' }, 'DTE>'),
        E.dteLine,
        h('button', { type: 'submit' }, 'send'),
      );
      E.dteStatus = h('div', { class: 'status' });
      E.at.appendChild(E.dteForm);
      E.at.appendChild(E.dteStatus);
    }

    if (OFFLINE) {
      E.wireBox = h('div', { class: 'console', id: 'wire' });
      left.appendChild(card('wirecard', 'Bytes on the wire', h('span', { class: 'muted' }, 'DTE> from the firmware, <MOD from the module')));
      E.wirecard.appendChild(E.wireBox);
    }

    // messages
    E.messagesBox = h('div');
    left.appendChild(card('messages', 'MQTT messages', h('span', { class: 'muted' }, 'out: the device published; in: delivered to it')));
    E.messages.appendChild(E.messagesBox);

    if (OFFLINE) {
      E.lanesBox = h('div');
      right.appendChild(card('lanes', 'State at the end'));
      E.lanes.appendChild(E.lanesBox);
      return;
    }

    // state
    E.stateBox = h('div', { id: 'state-view' });
    right.appendChild(
      card(
        'state',
        'Modem',
        h('span', null, h('button', { onclick: () => power('on') }, 'on'), ' ', h('button', { onclick: () => power('off') }, 'off'), ' ', h('button', { onclick: () => power('reboot') }, 'reboot')),
      ),
    );
    E.state.appendChild(E.stateBox);

    // faults
    E.activeBox = h('div', { id: 'active-faults' });
    E.catalogBox = h('div', { id: 'fault-catalog' });
    E.faultStatus = h('div', { class: 'status' });
    right.appendChild(card('faults', 'Faults', h('button', { onclick: clearAll }, 'clear all')));
    E.faults.appendChild(E.activeBox);
    E.faults.appendChild(E.faultStatus);
    E.faults.appendChild(E.catalogBox);

    // injections
    right.appendChild(card('inject', 'To the device'));
    E.injectBox = E.inject;
  }

  // ---- the API -------------------------------------------------------------------------

  const base = () => `/modems/${S.modem}`;

  function headers(json) {
    const out = {};
    if (S.token) out.authorization = 'Bearer ' + S.token;
    if (json) out['content-type'] = 'application/json';
    return out;
  }

  async function api(method, path, body) {
    const res = await fetch(path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
    let json = {};
    try {
      json = await res.json();
    } catch (_) {
      /* no body */
    }
    if (res.status === 401) askToken();
    if (!res.ok) throw new Error(json.error || `${res.status} ${res.statusText}`);
    return json;
  }

  function askToken() {
    if (document.querySelector('.overlay')) return;
    const input = h('input', { type: 'password', placeholder: 'token', autocomplete: 'off', value: S.token });
    const overlay = h(
      'div',
      { class: 'overlay' },
      h(
        'form',
        {
          class: 'dialog',
          onsubmit: (ev) => {
            ev.preventDefault();
            S.token = input.value.trim();
            sessionStorage.setItem(TOKEN_KEY, S.token);
            overlay.remove();
            start();
          },
        },
        h('strong', null, 'Control API token'),
        h('span', { class: 'muted' }, 'This emulator was started with --control-token (or printed one on stderr). It stays in this tab only.'),
        input,
        h('div', null, h('button', { type: 'submit', class: 'primary' }, 'connect'), ' ', h('button', { type: 'button', onclick: () => overlay.remove() }, 'cancel')),
      ),
    );
    document.body.appendChild(overlay);
    input.focus();
  }

  /**
   * One Server-Sent Events stream read through fetch: `event:` and `data:` lines, a blank
   * line ends each event. Reconnects after a pause when the stream ends.
   */
  function openStream(path, onEvent, onState) {
    let stopped = false;
    let ctl = null;
    let wait = 500;
    async function run() {
      while (!stopped) {
        ctl = new AbortController();
        try {
          const res = await fetch(path, { headers: headers(false), signal: ctl.signal });
          if (res.status === 401) {
            onState(false, 'token needed');
            askToken();
            return;
          }
          if (!res.ok || !res.body) throw new Error(`${res.status}`);
          onState(true, 'live');
          wait = 500;
          const reader = res.body.getReader();
          const decoder = new TextDecoder();
          let buf = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buf += decoder.decode(value, { stream: true });
            let cut;
            while ((cut = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, cut);
              buf = buf.slice(cut + 2);
              let event = 'message';
              let data = '';
              for (const line of block.split('\n')) {
                if (line.startsWith('event: ')) event = line.slice(7);
                else if (line.startsWith('data: ')) data += line.slice(6);
              }
              if (data) onEvent(event, JSON.parse(data));
            }
          }
        } catch (err) {
          if (stopped) return;
        }
        if (stopped) return;
        onState(false, 'reconnecting…');
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 5000);
      }
    }
    run();
    return () => {
      stopped = true;
      if (ctl) ctl.abort();
    };
  }

  let stopModem = null;
  let stopFleet = null;

  function start() {
    if (stopModem) stopModem();
    if (stopFleet) stopFleet();
    const m = /modem=(\d+)/.exec(location.hash);
    S.modem = m ? Number(m[1]) : 0;
    stopModem = openStream(`${base()}/events`, onModemEvent, (live, text) => {
      E.dot.classList.toggle('live', live);
      E.conn.textContent = text;
    });
    stopFleet = openStream('/modems/events', onFleetEvent, () => undefined);
  }

  function pickModem(i) {
    if (i === S.modem) return;
    location.hash = `modem=${i}`;
    start();
  }

  // ---- events ----------------------------------------------------------------------------

  function onModemEvent(event, data) {
    switch (event) {
      case 'hello':
        S.modem = data.modem;
        S.modems = data.modems;
        S.label = data.label;
        S.dteInput = data.dteInput;
        S.catalog = data.catalog;
        S.routes = data.routes;
        S.clockT = data.t;
        S.clockAt = performance.now();
        E.label.textContent = data.label ? `modem ${data.modem}: ${data.label}` : `modem ${data.modem}`;
        document.title = `sim800-emu — modem ${data.modem}`;
        E.dteForm.classList.toggle('hidden', !S.dteInput);
        renderCatalog();
        renderInjectForms();
        break;
      case 'state':
        S.view = data;
        S.clockT = data.state.t;
        S.clockAt = performance.now();
        renderState();
        renderActive();
        break;
      case 'backlog':
        S.at = data.at;
        S.timeline = data.timeline;
        S.messages = data.messages;
        S.held = [];
        renderConsole();
        scheduleTimeline();
        renderMessages();
        break;
      case 'at':
        addAt(data);
        break;
      case 'timeline':
        S.timeline.push(data);
        if (S.timeline.length > 5000) S.timeline.splice(0, S.timeline.length - 5000);
        scheduleTimeline();
        break;
      case 'message':
        S.messages.push(data);
        if (S.messages.length > 2000) S.messages.splice(0, S.messages.length - 2000);
        scheduleMessages();
        break;
    }
  }

  function onFleetEvent(event, data) {
    if (event === 'modems') S.summaries = data;
    else if (event === 'modem') S.summaries[data.index] = data;
    renderFleet();
  }

  // ---- the AT console ------------------------------------------------------------------

  function isError(final) {
    return /ERROR|^[48]$|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|FAIL/.test(final);
  }

  /** One AT log entry → its rows: the command (start time, latency), its lines, its final result; or a URC. */
  function entryElement(e) {
    const el = h('div', { class: 'entry', 'data-seq': e.seq, 'data-dir': e.dir });
    if (e.dir === 'urc') {
      el.appendChild(row('urc', e.t, '⚡', e.line, ''));
    } else if (e.dir === 'note') {
      el.appendChild(row('note', e.t, '#', e.line, ''));
    } else {
      const startT = e.ms !== undefined ? e.t - e.ms : e.t;
      el.appendChild(row('cmd', startT, '→', e.line, e.ms !== undefined ? `${Math.round(e.ms * 10) / 10} ms` : ''));
      for (const line of e.info || []) el.appendChild(row('info', null, '', line, ''));
      if (e.final === '') el.appendChild(row('none', null, '←', '(no result code)', ''));
      else if (e.final !== undefined) el.appendChild(row(isError(e.final) ? 'err' : 'ok', e.t, '←', e.final, ''));
    }
    el.dataset.text = [e.line, e.final || ''].concat(e.info || []).join('\n').toLowerCase();
    return el;
  }

  function row(kind, t, dir, text, ms) {
    return h('div', { class: `row ${kind}` }, h('span', { class: 't' }, t === null ? '' : fmtT(t)), h('span', { class: 'dir' }, dir), h('span', { class: 'text' }, text), h('span', { class: 'ms' }, ms));
  }

  function matcher() {
    const f = E.filter.value.trim();
    if (!f) return null;
    const re = /^\/(.+)\/([a-z]*)$/.exec(f);
    if (re) {
      try {
        const rx = new RegExp(re[1], re[2].includes('i') ? re[2] : re[2] + 'i');
        return (text) => rx.test(text);
      } catch (_) {
        return () => true;
      }
    }
    const needle = f.toLowerCase();
    return (text) => text.includes(needle);
  }

  function visible(el, m) {
    const dir = el.dataset.dir;
    if (dir === 'cmd' && !E.showCmd.checked) return false;
    if (dir === 'urc' && !E.showUrc.checked) return false;
    return !m || m(el.dataset.text);
  }

  function applyFilter() {
    const m = matcher();
    for (const el of E.consoleBox.children) el.classList.toggle('hidden', !visible(el, m));
    E.consoleBox.scrollTop = E.consoleBox.scrollHeight;
    countLine();
  }

  function countLine() {
    const n = E.consoleBox.children.length;
    const shown = E.consoleBox.querySelectorAll('.entry:not(.hidden)').length;
    E.count.textContent = `${shown === n ? n : `${shown} of ${n}`} entries${S.paused ? ` · paused, ${S.held.length} waiting` : ''}`;
  }

  function renderConsole() {
    clear(E.consoleBox);
    const m = matcher();
    const frag = document.createDocumentFragment();
    for (const e of S.at.slice(-CONSOLE_MAX)) {
      const el = entryElement(e);
      if (!visible(el, m)) el.classList.add('hidden');
      frag.appendChild(el);
    }
    E.consoleBox.appendChild(frag);
    E.consoleBox.scrollTop = E.consoleBox.scrollHeight;
    countLine();
  }

  function addAt(e) {
    if (S.paused) {
      S.held.push(e);
      countLine();
      return;
    }
    const box = E.consoleBox;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 30;
    const el = entryElement(e);
    if (!visible(el, matcher())) el.classList.add('hidden');
    box.appendChild(el);
    while (box.children.length > CONSOLE_MAX) box.removeChild(box.firstChild);
    if (atBottom) box.scrollTop = box.scrollHeight;
    countLine();
  }

  function togglePause() {
    S.paused = !S.paused;
    E.pause.textContent = S.paused ? 'resume' : 'pause';
    if (!S.paused) {
      const held = S.held;
      S.held = [];
      held.forEach(addAt);
    }
    countLine();
  }

  async function typeLine() {
    const line = E.dteLine.value;
    if (!line) return;
    try {
      await api('POST', `${base()}/dte`, { line });
      E.dteLine.value = '';
      status(E.dteStatus, '', true);
    } catch (err) {
      status(E.dteStatus, err.message, false);
    }
  }

  function status(el, text, ok) {
    el.textContent = text;
    el.className = `status ${ok ? 'ok' : 'err'}`;
  }

  // ---- state -------------------------------------------------------------------------

  const BEARER = { 0: 'connecting', 1: 'connected', 2: 'closing', 3: 'closed' };
  const REG = { 0: 'not registered', 1: 'home', 2: 'searching', 3: 'denied', 4: 'unknown', 5: 'roaming' };

  /** How a value reads at a glance: good (green), in between (amber), bad (red) or nothing (grey). */
  function tone(lane, value) {
    const v = String(value);
    if (lane === 'fault') return 'fault';
    if (/^(on|READY|home|roaming|online|attached|CONNECT OK|IP STATUS|IP GPRSACT|IP PROCESSING)$/.test(v) || /^\d: connected/.test(v) || /^1: connected/.test(v)) return 'good';
    if (/connecting|booting|searching|closing|IP START|IP CONFIG|IP INITIAL|TCP CONNECTING|CFUN/.test(v)) return 'mid';
    if (/^(off|NOT READY|NOT INSERTED|denied|frozen|PDP DEACT|TCP CLOSED|CONNECT FAIL)$/.test(v) || v === 'not registered') return 'bad';
    if (lane === 'signal') return Number(v) === 99 || Number(v) < 5 ? 'bad' : Number(v) < 10 ? 'mid' : 'good';
    return 'off';
  }

  const pill = (lane, value, key) => h('span', { class: `pill ${tone(lane, value)}`, 'data-k': key }, value);

  function kv(pairs) {
    const dl = h('dl', { class: 'kv' });
    for (const [k, v] of pairs) {
      if (v === undefined) continue;
      dl.appendChild(h('dt', null, k));
      dl.appendChild(h('dd', null, v));
    }
    return dl;
  }

  function sub(title, content) {
    return h('div', { class: 'sub' }, h('h3', null, title), content);
  }

  function renderState() {
    const v = S.view;
    if (!v) return;
    const st = v.state;
    const box = clear(E.stateBox);
    const powerText = !st.power.on ? 'off' : st.power.frozen ? 'frozen' : st.power.cfun !== 1 ? `on, CFUN=${st.power.cfun}` : 'on';
    box.appendChild(
      kv([
        ['power', pill('power', powerText, 'power')],
        ['DTE', pill('dte', st.dte.attached ? 'attached' : 'detached', 'dte')],
        ['SIM', pill('sim', st.sim, 'sim')],
        ['registration', h('span', null, pill('registration', REG[st.registration.stat] || String(st.registration.stat), 'registration'), st.registration.attached ? ' GPRS attached' : '')],
        ['signal', h('span', null, pill('signal', String(st.signal.rssi), 'rssi'), ` rssi, ber ${st.signal.ber}`)],
        ['clock', st.rtc],
      ]),
    );
    const bearers = h('table', null, h('tr', null, h('th', null, 'cid'), h('th', null, 'status'), h('th', null, 'IP'), h('th', null, 'APN')));
    for (const b of st.bearers) {
      const text = BEARER[b.status] || String(b.status);
      bearers.appendChild(h('tr', null, h('td', null, b.cid), h('td', null, pill('bearer', b.status === 1 ? `${b.cid}: connected` : text, `bearer-${b.cid}`)), h('td', { class: 'mono', 'data-k': `bearer-${b.cid}-ip` }, b.status === 1 ? b.ip : ''), h('td', { class: 'mono' }, b.apn)));
    }
    box.appendChild(sub('Bearers (AT+SAPBR)', bearers));

    const mq = st.mqtt;
    if (mq) {
      box.appendChild(
        sub(
          'MQTT session',
          kv([
            ['state', pill('mqtt', mq.phase, 'mqtt')],
            ['broker', mq.url || '—'],
            ['client id', mq.clientId || '—'],
            ['user', mq.username || '—'],
            ['keepalive', `${mq.keepalive} s, clean ${mq.cleanss}, ${mq.ssl ? 'TLS' : 'plain'}`],
            ['subscriptions', mq.subscriptions.length ? mq.subscriptions.map((x) => `${x.topic} (qos ${x.qos})`).join(', ') : '—'],
            ['in flight', mq.inFlight.length ? mq.inFlight.map((x) => `${x.kind} ${x.id}`).join(', ') : '—'],
          ]),
        ),
      );
    }
    const tcp = st.tcpip;
    if (tcp) {
      const socks = (tcp.sockets || []).map((k) => h('tr', null, h('td', null, String(k.n !== undefined ? k.n : k.id !== undefined ? k.id : '')), h('td', { class: 'mono' }, describeSocket(k))));
      box.appendChild(sub('TCP/IP (AT+CIP…)', h('div', null, kv([['state', pill('tcpip', tcp.state, 'tcpip')], ['IP', tcp.ip], ['APN', tcp.apn], ['mux', String(tcp.mux)]]), socks.length ? h('table', null, socks) : h('div', { class: 'muted' }, 'no sockets'))));
    }
    const httpRows = (v.http || []).slice(-8).map((x) =>
      h('tr', null, h('td', { class: 'mono' }, `${x.method} ${x.url}`), h('td', null, x.status === null || x.status === undefined ? '…' : String(x.status)), h('td', null, x.ms !== undefined && x.ms !== null ? `${Math.round(x.ms)} ms` : '')),
    );
    box.appendChild(sub('HTTP (AT+HTTPACTION)', httpRows.length ? h('table', null, httpRows) : h('div', { class: 'muted' }, st.http && st.http.initialised ? 'initialised, no request yet' : 'no request yet')));
    if (st.sms) {
      const stores = st.sms.stores ? Object.keys(st.sms.stores).map((k) => `${k} ${st.sms.stores[k].used}/${st.sms.stores[k].total}`).join(', ') : '';
      box.appendChild(sub('SMS', kv([['stores', stores || '—'], ['held', st.sms.held !== undefined ? String(st.sms.held) : undefined]])));
    }
    if (Array.isArray(st.calls) && st.calls.length) {
      box.appendChild(sub('Calls', h('table', null, st.calls.map((c) => h('tr', null, h('td', null, c.dir), h('td', { class: 'mono' }, c.number), h('td', null, c.state))))));
    }
    if (st.files && st.files.length) box.appendChild(sub('Files (C:\\USER\\)', h('div', { class: 'mono' }, st.files.map((f) => `${f.path} (${f.size})`).join(', '))));
  }

  function describeSocket(k) {
    const parts = [];
    for (const key of ['mode', 'proto', 'state', 'remote', 'host', 'port', 'rx', 'tx']) if (k[key] !== undefined) parts.push(`${key} ${typeof k[key] === 'object' ? JSON.stringify(k[key]) : k[key]}`);
    return parts.length ? parts.join(', ') : JSON.stringify(k);
  }

  async function power(action) {
    try {
      await api('POST', `${base()}/power`, { action });
    } catch (err) {
      status(E.faultStatus, err.message, false);
    }
  }

  // ---- faults --------------------------------------------------------------------------

  function renderCatalog() {
    const box = clear(E.catalogBox);
    for (const f of S.catalog) {
      const inputs = {};
      const fields = [];
      for (const name of Object.keys(f.params)) {
        const p = f.params[name];
        let input;
        if (p.type === 'enum') input = h('select', { name, title: p.doc }, p.values.map((x) => h('option', { value: x, selected: x === p.default }, x)));
        else input = h('input', { type: 'number', name, value: p.default, min: p.min, max: p.max, step: p.integer ? 1 : 'any', title: p.doc });
        inputs[name] = { input, p };
        fields.push(h('label', null, name, ' ', input));
      }
      const duration = f.lasting === 'never' ? null : h('input', { class: 'duration', name: 'duration', placeholder: 'e.g. 10s', title: f.lasting === 'always' ? 'how long: 10s, 500ms, 2m; empty: until cleared' : 'how long: 10s, 500ms, 2m; empty: a moment' });
      const go = async () => {
        const params = {};
        for (const name of Object.keys(inputs)) {
          const { input, p } = inputs[name];
          params[name] = p.type === 'enum' ? input.value : Number(input.value);
        }
        const body = { name: f.name, params };
        if (duration && duration.value.trim()) body.duration = duration.value.trim();
        try {
          const r = await api('POST', `${base()}/faults`, body);
          status(E.faultStatus, r.active ? `${f.name} injected` : `${f.name}: done`, true);
        } catch (err) {
          status(E.faultStatus, err.message, false);
        }
      };
      box.appendChild(h('div', { class: 'fault' }, h('button', { 'data-fault': f.name, title: f.summary, onclick: go }, f.name), fields, duration ? h('label', null, 'for ', duration) : null));
    }
  }

  function renderActive() {
    const box = clear(E.activeBox);
    const list = S.view ? S.view.state.faults : [];
    if (!list.length) {
      box.appendChild(h('div', { class: 'muted' }, 'no fault active'));
      return;
    }
    for (const f of list) {
      const params = Object.keys(f.params).length ? JSON.stringify(f.params) : '';
      box.appendChild(
        h(
          'div',
          { class: 'active', 'data-active': f.name },
          h('strong', null, f.name),
          h('span', { class: 'muted mono' }, params),
          h('span', { class: 'left', 'data-until': f.until !== undefined ? f.until : '' }, f.until !== undefined ? '' : 'until cleared'),
          h('button', { class: 'danger', onclick: () => api('DELETE', `${base()}/faults/${encodeURIComponent(f.name)}`).catch((err) => status(E.faultStatus, err.message, false)) }, 'clear'),
        ),
      );
    }
    tickActive();
  }

  /** Time left on each active fault, counted down here between state pushes. */
  function tickActive() {
    if (!E.activeBox) return;
    for (const el of E.activeBox.querySelectorAll('[data-until]')) {
      if (el.dataset.until === '') continue;
      el.textContent = `${fmtS(Math.max(0, Number(el.dataset.until) - modemNow()))} left`;
    }
  }

  async function clearAll() {
    try {
      await api('DELETE', `${base()}/faults`);
      status(E.faultStatus, 'every fault cleared', true);
    } catch (err) {
      status(E.faultStatus, err.message, false);
    }
  }

  // ---- to the device: C2D, and SMS/calls when the API has them ----------------------

  function form(id, fields, submit, label) {
    const st = h('div', { class: 'status' });
    const f = h('form', { class: 'inject', id });
    for (const [name, el] of fields) {
      f.appendChild(h('label', null, name));
      f.appendChild(el);
    }
    f.appendChild(h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, label), st));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        status(st, await submit(), true);
      } catch (err) {
        status(st, err.message, false);
      }
    });
    return f;
  }

  const hasRoute = (r) => S.routes.includes(r);

  function renderInjectForms() {
    const box = E.injectBox;
    while (box.children.length > 1) box.removeChild(box.lastChild);
    const topic = h('input', { name: 'topic', placeholder: 'dev/cmd', required: true });
    const payload = h('textarea', { name: 'payload', placeholder: 'payload' });
    const qos = h('select', { name: 'qos' }, h('option', { value: '1' }, '1'), h('option', { value: '0' }, '0'));
    const retain = h('input', { type: 'checkbox', name: 'retain' });
    box.appendChild(h('div', { class: 'sub' }, h('h3', null, 'Cloud-to-device MQTT message (POST /c2d)')));
    box.appendChild(
      form(
        'c2d',
        [['topic', topic], ['payload', payload], ['qos', h('span', null, qos, ' ', h('label', null, retain, ' retain'))]],
        async () => {
          await api('POST', `${base()}/c2d`, { topic: topic.value, payload: payload.value, qos: Number(qos.value), retain: retain.checked });
          return `sent to ${topic.value}`;
        },
        'publish',
      ),
    );
    if (hasRoute('POST /sms')) {
      const from = h('input', { name: 'from', placeholder: '+31628870634', required: true });
      const text = h('textarea', { name: 'text', placeholder: 'STATUS' });
      box.appendChild(h('div', { class: 'sub' }, h('h3', null, 'SMS to the device (POST /sms)')));
      box.appendChild(
        form('sms', [['from', from], ['text', text]], async () => {
          const r = await api('POST', `${base()}/sms`, { from: from.value, text: text.value });
          return `delivered (${r.parts || 1} part${r.parts > 1 ? 's' : ''})`;
        }, 'send'),
      );
    }
    if (hasRoute('POST /call')) {
      const from = h('input', { name: 'from', placeholder: '+31628870634', required: true });
      box.appendChild(h('div', { class: 'sub' }, h('h3', null, 'Call the device (POST /call)')));
      box.appendChild(
        form('call', [['from', from]], async () => {
          await api('POST', `${base()}/call`, { from: from.value });
          return `ringing from ${from.value}`;
        }, 'ring'),
      );
    }
  }

  // ---- messages -----------------------------------------------------------------------

  let messagesScheduled = false;
  function scheduleMessages() {
    if (messagesScheduled) return;
    messagesScheduled = true;
    requestAnimationFrame(() => {
      messagesScheduled = false;
      renderMessages();
    });
  }

  function renderMessages() {
    const box = clear(E.messagesBox);
    if (!S.messages.length) {
      box.appendChild(h('div', { class: 'muted' }, 'no message yet'));
      return;
    }
    const topics = new Map();
    for (const m of S.messages) {
      let t = topics.get(m.topic);
      if (!t) topics.set(m.topic, (t = { out: 0, in: 0, last: m, list: [] }));
      t[m.dir]++;
      t.last = m;
      t.list.push(m);
    }
    const table = h('table', { id: 'topics' }, h('tr', null, ['topic', 'out', 'in', 'last', 'at'].map((x) => h('th', null, x))));
    for (const [topic, t] of topics) {
      table.appendChild(
        h(
          'tr',
          { class: 'pick', 'data-topic': topic, onclick: () => ((S.openTopic = S.openTopic === topic ? null : topic), renderMessages()) },
          h('td', { class: 'mono' }, topic),
          h('td', null, String(t.out)),
          h('td', null, String(t.in)),
          h('td', { class: 'mono' }, `${t.last.dir === 'out' ? '↑' : '↓'} ${showBytes(t.last.payload).slice(0, 80)}`),
          h('td', { class: 'muted' }, fmtT(t.last.t)),
        ),
      );
      if (S.openTopic === topic) {
        for (const m of t.list.slice(-30)) {
          table.appendChild(h('tr', null, h('td', { class: 'muted' }, fmtT(m.t)), h('td', null, m.dir), h('td', null, `qos ${m.qos}${m.retain ? ' retain' : ''}`), h('td', { class: 'mono', colspan: 2 }, `${showBytes(m.payload)}${m.bytes > m.payload.length ? '…' : ''} (${m.bytes} bytes)`)));
        }
      }
    }
    box.appendChild(table);
  }

  // ---- timeline ---------------------------------------------------------------------

  let timelineScheduled = false;
  function scheduleTimeline() {
    if (timelineScheduled) return;
    timelineScheduled = true;
    requestAnimationFrame(() => {
      timelineScheduled = false;
      renderTimeline();
    });
  }

  const LANE_ORDER = ['power', 'sim', 'registration', 'signal', 'bearer', 'mqtt', 'tcpip', 'dte'];
  const LANE_NAMES = { power: 'power', sim: 'SIM', registration: 'registration', signal: 'rssi', bearer: 'bearer', mqtt: 'MQTT', tcpip: 'TCP/IP', dte: 'DTE' };

  function niceStep(span) {
    const steps = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000];
    for (const st of steps) if (span / st <= 10) return st;
    return 7200000;
  }

  function renderTimeline() {
    const box = clear(E.timelineBox);
    const entries = S.timeline;
    if (!entries.length) {
      box.appendChild(h('div', { class: 'muted' }, 'nothing yet'));
      return;
    }
    const end = Math.max(modemNow(), entries[entries.length - 1].t);
    let start = entries[0].t;
    if (S.window !== 'all') start = Math.max(start, end - Number(S.window));
    const span = Math.max(end - start, 1);
    const width = Math.max(E.timelineBox.clientWidth || 800, 300);
    const labelW = 96;
    const laneH = 20;
    const x = (t) => labelW + ((Math.max(t, start) - start) / span) * (width - labelW - 8);

    // State lanes: each value from its entry to the next one of that lane (or now).
    const lanes = new Map();
    for (const e of entries) {
      if (e.lane === 'fault') continue;
      if (!lanes.has(e.lane)) lanes.set(e.lane, []);
      lanes.get(e.lane).push(e);
    }
    // Faults: one row per fault, a bar from inject to clear, a mark for a moment-only fault.
    const faults = new Map();
    for (const e of entries) {
      if (e.lane !== 'fault') continue;
      if (!faults.has(e.value)) faults.set(e.value, []);
      faults.get(e.value).push(e);
    }
    const rows = LANE_ORDER.filter((l) => lanes.has(l) && (l !== 'tcpip' || lanes.get(l).some((e) => e.value && e.value !== 'IP INITIAL')));
    const faultRows = [...faults.keys()];
    const height = (rows.length + faultRows.length) * laneH + 24;
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, height, role: 'img', 'aria-label': 'timeline' });

    const step = niceStep(span);
    for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
      svg.appendChild(s('line', { class: 'tick', x1: x(t), x2: x(t), y1: 0, y2: height - 16 }));
      svg.appendChild(s('text', { class: 'tick-text', x: x(t), y: height - 4, 'text-anchor': 'middle' }, `${(t / 1000).toFixed(step < 1000 ? 1 : 0)} s`));
    }

    let y = 0;
    for (const lane of rows) {
      svg.appendChild(s('text', { class: 'lane-label', x: 4, y: y + 14 }, LANE_NAMES[lane] || lane));
      const list = lanes.get(lane);
      list.forEach((e, i) => {
        const t1 = i + 1 < list.length ? list[i + 1].t : end;
        if (t1 < start) return;
        const x0 = x(e.t);
        const w = Math.max(x(t1) - x0, 1);
        const r = s('rect', { class: `seg ${tone(lane, e.value)}`, x: x0, y: y + 3, width: w, height: laneH - 6, rx: 2, 'data-lane': lane, 'data-value': e.value });
        r.appendChild(s('title', {}, `${LANE_NAMES[lane] || lane}: ${e.value} from ${fmtT(e.t)} s${i + 1 < list.length ? ` to ${fmtT(t1)} s` : ''}`));
        svg.appendChild(r);
        if (w > e.value.length * 6 + 6) svg.appendChild(s('text', { class: 'seg-text', x: x0 + 3, y: y + 14 }, e.value));
      });
      y += laneH;
    }
    for (const name of faultRows) {
      svg.appendChild(s('text', { class: 'lane-label', x: 4, y: y + 14 }, name));
      let open = null;
      const bar = (from, to) => {
        if (to < start) return;
        const r = s('rect', { class: 'seg fault', x: x(from.t), y: y + 3, width: Math.max(x(to) - x(from.t), 2), height: laneH - 6, rx: 2, 'data-lane': 'fault', 'data-value': name });
        r.appendChild(s('title', {}, `${name} ${JSON.stringify(from.params || {})} from ${fmtT(from.t)} s to ${to === end && open ? 'now' : `${fmtT(to)} s`}`));
        svg.appendChild(r);
      };
      for (const e of faults.get(name)) {
        if (e.action === 'inject') {
          if (open) bar(open, e.t);
          if (e.moment) {
            open = null;
            if (e.t >= start) {
              const m = s('path', { class: 'moment', d: `M${x(e.t)},${y + 3} l5,7 l-5,7 l-5,-7 z`, 'data-lane': 'fault', 'data-value': name });
              m.appendChild(s('title', {}, `${name} ${JSON.stringify(e.params || {})} at ${fmtT(e.t)} s`));
              svg.appendChild(m);
            }
          } else open = e;
        } else if (open) {
          bar(open, e.t);
          open = null;
        }
      }
      if (open) bar(open, end);
      y += laneH;
    }
    box.appendChild(svg);
  }

  // ---- the fleet ---------------------------------------------------------------------

  function renderFleet() {
    const list = S.summaries;
    clear(E.picker);
    list.forEach((m) => E.picker.appendChild(h('option', { value: m.index, selected: m.index === S.modem }, `modem ${m.index}${m.label ? ` (${m.label})` : ''}`)));
    E.picker.classList.toggle('hidden', list.length < 2);
    E.overview.classList.toggle('hidden', list.length < 2);
    if (list.length < 2) return;
    clear(E.overviewBody);
    for (const m of list) {
      E.overviewBody.appendChild(
        h(
          'tr',
          { class: `pick${m.index === S.modem ? ' current' : ''}`, 'data-modem': m.index, onclick: () => pickModem(m.index) },
          h('td', null, String(m.index)),
          h('td', { class: 'mono' }, m.label),
          h('td', null, pill('dte', m.dte)),
          h('td', null, pill('power', m.power)),
          h('td', null, pill('sim', m.sim)),
          h('td', null, pill('registration', m.registration)),
          h('td', null, pill('signal', m.signal)),
          h('td', { class: 'mono' }, pill('bearer', m.bearer)),
          h('td', null, pill('mqtt', m.mqtt)),
          h('td', { class: 'mono' }, m.clientId || ''),
          h('td', { class: 'mono' }, m.faults.join(', ')),
        ),
      );
    }
  }

  // ---- a trace, offline ------------------------------------------------------------------

  function loadTrace() {
    const data = JSON.parse(traceElement.textContent);
    E.label.textContent = `${data.label ? `${data.label} · ` : ''}run ${data.run} · t = 0 at ${data.wall}${data.complete ? '' : ' · not closed (killed?)'}`;
    E.conn.textContent = `trace (${data.records.length} records)`;
    const wire = [];
    const lanesNow = {};
    for (const r of data.records) {
      S.clockT = Math.max(S.clockT, r.t);
      switch (r.k) {
        case 'at':
          S.at.push({ seq: r.n, t: r.t, dir: r.dir, line: r.line, final: r.final, info: r.info, ms: r.ms });
          break;
        case 'step':
          S.at.push({ seq: r.n, t: r.t, dir: 'note', line: `scenario step ${r.index} (${r.kind} ${r.detail}): ${r.ok ? 'ok' : `FAILED${r.error ? ` — ${r.error}` : ''}`}` });
          break;
        case 'state':
          S.timeline.push({ seq: r.n, t: r.t, lane: r.lane, value: r.value });
          lanesNow[r.lane] = r.value;
          break;
        case 'fault':
          S.timeline.push({ seq: r.n, t: r.t, lane: 'fault', value: r.name, action: r.action, params: r.params, moment: r.moment });
          break;
        case 'mqtt':
          if (r.type === 'publish') S.messages.push({ seq: r.n, t: r.t, dir: r.dir, topic: r.topic, qos: r.qos, retain: r.retain, payload: r.payload || '', bytes: r.bytes || 0 });
          break;
        case 'rx':
        case 'tx':
          wire.push(r);
          break;
      }
    }
    renderConsole();
    renderTimeline();
    renderMessages();
    const frag = document.createDocumentFragment();
    for (const r of wire) frag.appendChild(row(r.k, r.t, r.k === 'rx' ? 'DTE>' : '<MOD', showBytes(r.d), ''));
    E.wireBox.appendChild(frag);
    E.lanesBox.appendChild(kv(LANE_ORDER.filter((l) => lanesNow[l] !== undefined).map((l) => [LANE_NAMES[l], pill(l, lanesNow[l], l)])));
  }

  // ---- start ------------------------------------------------------------------------

  build();
  if (OFFLINE) {
    document.body.classList.add('offline-page');
    loadTrace();
  } else {
    start();
    setInterval(tickActive, 250);
    // The timeline's right edge is "now": it moves on between events.
    setInterval(() => S.timeline.length && scheduleTimeline(), 1000);
    window.addEventListener('hashchange', () => {
      const m = /modem=(\d+)/.exec(location.hash);
      if (m && Number(m[1]) !== S.modem) start();
    });
  }
  window.addEventListener('resize', scheduleTimeline);
})();

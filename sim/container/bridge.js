// The bridge to the JVM host, shaped like WeChat's JSBridge (see sim/PROTOCOL.md):
// invoke -> POST /bridge/invoke, results and native UI <- SSE /bridge/events, answers -> POST /bridge/ui.
(() => {
  'use strict';
  const C = window.simContainer;

  let nextCallbackId = 1;
  const pendingCallbacks = new Map(); // callbackId -> function(resultJson)

  // A call this soon after a tap on the page is the user's gesture (its handler, or the promise
  // chain the handler started): WeChat lets navigateToMiniProgram and the like run only then.
  const GESTURE_MS = 1000;

  function extraJson(page) {
    const gesture = C.lastTapAt !== undefined && performance.now() - C.lastTapAt <= GESTURE_MS;
    return JSON.stringify({ stack: new Error().stack, page: page || '', gesture });
  }

  function invokeBody(api, data, page, callbackId, isSync) {
    return JSON.stringify({ api, data: JSON.stringify(data ?? {}), extra: extraJson(page), callbackId, isSync });
  }

  /** Async call: the result JSON string reaches `onResult` when the host pushes its callback event. */
  function invokeAsync(api, data, page, onResult) {
    const callbackId = nextCallbackId++;
    pendingCallbacks.set(callbackId, onResult);
    const body = invokeBody(api, data, page, callbackId, false);
    fetch('/bridge/invoke', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      })
      .catch((error) => {
        // The host never saw the call: fail it here, loudly.
        console.error(`[sim] bridge: POST /bridge/invoke ${api} failed`, error);
        settle(callbackId, JSON.stringify({ errMsg: `${api}:fail sim bridge unreachable (${error.message})` }));
      });
    return callbackId;
  }

  /** Sync call (a synchronous XHR, like WeChat's sync JSBridge): returns the parsed result object. */
  function invokeSync(api, data, page) {
    const callbackId = nextCallbackId++;
    const request = new XMLHttpRequest();
    request.open('POST', '/bridge/invoke', false);
    request.setRequestHeader('Content-Type', 'application/json');
    request.send(invokeBody(api, data, page, callbackId, true));
    if (request.status !== 200) throw new Error(`sim bridge: sync ${api} answered HTTP ${request.status}`);
    return parseResult(api, request.responseText);
  }

  /** A host result JSON string as an object with errMsg (a malformed one becomes a fail). */
  function parseResult(api, text) {
    try {
      const result = JSON.parse(text);
      if (result && typeof result === 'object' && typeof result.errMsg === 'string') return result;
      throw new Error('no errMsg');
    } catch (error) {
      console.error(`[sim] bridge: bad result for ${api}: ${JSON.stringify(text)}`);
      return { errMsg: `${api}:fail sim bridge returned a malformed result` };
    }
  }

  function settle(callbackId, resultJson) {
    const onResult = pendingCallbacks.get(callbackId);
    if (!onResult) {
      console.warn(`[sim] bridge: callback ${callbackId} has no pending call`);
      return;
    }
    pendingCallbacks.delete(callbackId);
    onResult(resultJson);
  }

  /** The user's answer to a native UI (popup button), with its controls' values (settings switches). */
  function answerUi(uiId, choice, values) {
    return fetch('/bridge/ui', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(values ? { uiId: Number(uiId), choice, values } : { uiId: Number(uiId), choice }),
    }).catch((error) => console.error(`[sim] bridge: POST /bridge/ui ${uiId} failed`, error));
  }

  // Host -> page events by type; other files add their own (native-ui.js: ui, ui_close).
  const eventHandlers = {
    callback: (event) => settle(event.callbackId, event.result),
  };

  function dispatch(message) {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch (error) {
      C.errors.report(new Error(`sim bridge: event is not JSON: ${message.data}`), { during: 'a host event' });
      return;
    }
    const handler = eventHandlers[event.type];
    if (!handler) {
      C.errors.report(new Error(`sim bridge: unsupported host event type "${event.type}"`), { during: 'a host event' });
      return;
    }
    handler(event);
  }

  /** Open the event stream; resolves once open (or after `timeoutMs`, with a warning). */
  function connect(timeoutMs = 3000) {
    return new Promise((resolve) => {
      const source = new EventSource('/bridge/events');
      const timer = setTimeout(() => {
        console.warn('[sim] bridge: /bridge/events not open yet, starting anyway');
        resolve(source);
      }, timeoutMs);
      source.onopen = () => {
        clearTimeout(timer);
        resolve(source);
      };
      source.onmessage = dispatch;
      source.onerror = () => console.warn('[sim] bridge: /bridge/events connection error (EventSource retries)');
    });
  }

  C.bridge = { invokeAsync, invokeSync, parseResult, answerUi, connect, eventHandlers };
})();

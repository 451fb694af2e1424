// The `wx` object given to app code. Every wx.* name crosses the bridge, including names the sim
// does not know (the host answers "not supported": a fail callback and a console.error).
// Page navigation also crosses the bridge, then the container moves its page stack itself.
(() => {
  'use strict';
  const C = window.simContainer;
  const currentRoute = () => C.runtime.currentRoute();

  const CALLBACKS = ['success', 'fail', 'complete'];

  /** Split wx options into their callbacks and the JSON-able data sent to the host. */
  function splitOptions(options) {
    const callbacks = {};
    const data = {};
    if (options && typeof options === 'object') {
      for (const [key, value] of Object.entries(options)) {
        if (CALLBACKS.includes(key) && typeof value === 'function') callbacks[key] = value;
        else if (typeof value !== 'function') data[key] = value;
      }
    }
    return { callbacks, data };
  }

  const isOk = (result) => result.errMsg.endsWith(':ok');

  function noteFailure(name, result) {
    if (!/not supported|not support|unsupported/i.test(result.errMsg)) return;
    console.error(`[sim] wx.${name}: ${result.errMsg}`);
    if (!window.__sim.unsupported.includes(name)) window.__sim.unsupported.push(name);
  }

  /** Call success or fail, then complete, each guarded; settle the promise if one was given. */
  function deliver(name, result, callbacks, promise) {
    const ok = isOk(result);
    if (!ok) noteFailure(name, result);
    const call = (which) => {
      const fn = callbacks[which];
      if (fn) C.errors.guard({ during: `wx.${name} ${which} callback` }, () => fn(result));
    };
    call(ok ? 'success' : 'fail');
    call('complete');
    if (promise) (ok ? promise.resolve : promise.reject)(result);
  }

  function withPromise(callbacks, start) {
    const wantsPromise = !CALLBACKS.some((k) => callbacks[k]);
    if (!wantsPromise) {
      start(null);
      return undefined;
    }
    return new Promise((resolve, reject) => start({ resolve, reject }));
  }

  /** An async API: result through the host's callback event. */
  function callAsync(name, options) {
    const { callbacks, data } = splitOptions(options);
    return withPromise(callbacks, (promise) => {
      C.bridge.invokeAsync(name, data, currentRoute(), (resultJson) =>
        deliver(name, C.bridge.parseResult(name, resultJson), callbacks, promise));
    });
  }

  // ---- APIs the container carries out itself (after telling the host) ------------------------

  const CONTAINER_APIS = {
    navigateTo: (data) => C.runtime.navigate('navigateTo', data),
    redirectTo: (data) => C.runtime.navigate('redirectTo', data),
    reLaunch: (data) => C.runtime.navigate('reLaunch', data),
    switchTab: (data) => C.runtime.navigate('switchTab', data),
    navigateBack: (data) => C.runtime.navigate('navigateBack', data),
    setNavigationBarTitle: (data) => C.runtime.setTitle(data.title),
  };

  function callContainerApi(name, options) {
    const { callbacks, data } = splitOptions(options);
    const route = currentRoute();
    return withPromise(callbacks, (promise) => {
      C.bridge.invokeAsync(name, data, route, (resultJson) => {
        const hostResult = C.bridge.parseResult(name, resultJson);
        if (!isOk(hostResult)) noteFailure(name, hostResult);
      });
      // Later, like WeChat: navigating inside onLoad must not re-enter the page being built.
      setTimeout(() => {
        let result;
        try {
          result = CONTAINER_APIS[name](data);
        } catch (error) {
          result = { errMsg: `${name}:fail ${error.message}` };
        }
        deliver(name, result, callbacks, promise);
      }, 0);
    });
  }

  const CONTAINER_SYNC_APIS = {
    getLaunchOptionsSync: () => C.runtime.launchOptions(),
    getEnterOptionsSync: () => C.runtime.launchOptions(),
  };

  // ---- sync APIs -------------------------------------------------------------------------------

  const SYNC_NAMES = new Set(['canIUse', 'getWindowInfo', 'getDeviceInfo', 'getAppBaseInfo', 'getSystemSetting',
    'getAppAuthorizeSetting', 'getMenuButtonBoundingClientRect']);
  // Positional arguments -> the data object the host receives.
  const SYNC_ARGUMENTS = {
    setStorageSync: (key, data) => ({ key, data }),
    getStorageSync: (key) => ({ key }),
    removeStorageSync: (key) => ({ key }),
    batchSetStorageSync: (kvList) => ({ kvList }),
    batchGetStorageSync: (keyList) => ({ keyList }),
    canIUse: (schema) => ({ schema }),
  };

  function callSync(name, args) {
    const data = SYNC_ARGUMENTS[name] ? SYNC_ARGUMENTS[name](...args) : splitOptions(args[0]).data;
    const result = C.bridge.invokeSync(name, data, currentRoute());
    if (CONTAINER_SYNC_APIS[name]) return CONTAINER_SYNC_APIS[name]();
    if (!isOk(result)) {
      noteFailure(name, result);
      if (name === 'canIUse') return false;
      throw new Error(result.errMsg); // WeChat's *Sync APIs throw on failure
    }
    if (/^(set|remove|clear|batchSet)/.test(name)) return undefined;
    if ('data' in result) return result.data;
    if (name === 'batchGetStorageSync') return result.dataList;
    const { errMsg, ...rest } = result;
    return rest;
  }

  // ---- listeners: wx.onX(fn) registers with the host (__invokeRegister), wx.offX(fn) ----------

  const listeners = new Map(); // 'onLocationChange' -> Set of functions

  function register(name, listener) {
    if (!listeners.has(name)) listeners.set(name, new Set());
    if (typeof listener === 'function') listeners.get(name).add(listener);
    const result = C.bridge.invokeSync('__invokeRegister', { event: name }, currentRoute());
    if (!isOk(result)) noteFailure(name, result);
  }

  function unregister(name, listener) {
    const on = 'on' + name.slice(3);
    if (listeners.has(on)) {
      if (typeof listener === 'function') listeners.get(on).delete(listener);
      else listeners.get(on).clear();
    }
    callAsync(name, {});
  }

  // ---- objects: wx.createX() / wx.getXManager() -----------------------------------------------

  const OBJECT_API = /^(create[A-Z]\w*|get\w*Manager)$/;

  // Host listener events ({type:"listener", target?, name, data}) for objects, by target ("tcp:3",
  // "socket:1", "RecorderManager"). Events for a target not registered yet wait for it.
  const targets = new Map(); // target -> Map(name -> Set of functions)
  const early = new Map(); // target -> [event]

  function targetListeners(target) {
    if (!targets.has(target)) {
      targets.set(target, new Map());
      for (const event of early.get(target) || []) setTimeout(() => fireListener(event), 0);
      early.delete(target);
    }
    return targets.get(target);
  }

  function addTargetListener(target, name, fn) {
    const byName = targetListeners(target);
    if (!byName.has(name)) byName.set(name, new Set());
    if (typeof fn === 'function') byName.get(name).add(fn);
  }

  const toBase64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)));
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer;

  /** Host data -> what listeners get: base64 payloads ("encoding":"base64") become ArrayBuffers. */
  function listenerData(data) {
    if (!data || data.encoding !== 'base64') return data;
    const { encoding, ...rest } = data;
    for (const key of ['message', 'data']) if (typeof rest[key] === 'string') rest[key] = fromBase64(rest[key]);
    return rest;
  }

  /** Outgoing payloads: an ArrayBuffer (or view) crosses as base64. */
  function payload(data, field) {
    if (data instanceof ArrayBuffer) return { [field]: toBase64(data), encoding: 'base64' };
    if (ArrayBuffer.isView(data)) return { [field]: toBase64(data.buffer), encoding: 'base64' };
    return { [field]: data };
  }

  function callFns(fns, data, during) {
    for (const fn of fns || []) C.errors.guard({ during }, () => fn(data));
  }

  function fireListener(event) {
    const data = listenerData(event.data);
    if (!event.target) {
      callFns(listeners.get(event.name), data, `wx.${event.name} listener`);
      return;
    }
    if (!targets.has(event.target)) {
      if (!early.has(event.target)) early.set(event.target, []);
      early.get(event.target).push(event);
      return;
    }
    callFns(targets.get(event.target).get(event.name), data, `${event.target} ${event.name} listener`);
    // The legacy single-socket API (wx.onSocketOpen ...) hears the newest SocketTask.
    if (event.target.startsWith('socket:') && lastSocketTask && lastSocketTask.target === event.target) {
      callFns(listeners.get('onSocket' + event.name.slice(2)), data, `wx.onSocket${event.name.slice(2)} listener`);
    }
  }

  /** One bridge call of an object's method ("<Class>.<method>"), with callbacks. */
  function objectCall(api, data, options, sync = false) {
    const { callbacks, data: optionData } = splitOptions(options);
    const all = { ...optionData, ...data };
    if (sync) {
      const result = C.bridge.invokeSync(api, all, currentRoute());
      if (!isOk(result)) noteFailure(api, result);
      return result;
    }
    C.bridge.invokeAsync(api, all, currentRoute(), (resultJson) =>
      deliver(api, C.bridge.parseResult(api, resultJson), callbacks, null));
    return undefined;
  }

  // Each method call crosses the bridge as "<Class>.<method>" (e.g. "CameraContext.takePhoto");
  // onX(fn) / offX(fn) register listeners of the object's target.
  function bridgedObject(className, target = className, fixed = {}) {
    const stub = new Proxy(Object.create(null), {
      get(_, method) {
        if (typeof method !== 'string' || method === 'then' || method === 'toJSON') return undefined;
        if (/^on[A-Z]/.test(method)) return (fn) => addTargetListener(target, method, fn);
        if (/^off[A-Z]/.test(method)) {
          return (fn) => {
            const set = targetListeners(target).get('on' + method.slice(3));
            if (set) (typeof fn === 'function' ? set.delete(fn) : set.clear());
          };
        }
        return (...args) => {
          const options = args.find((a) => a && typeof a === 'object');
          const positional = args.filter((a) => typeof a !== 'object' && typeof a !== 'function');
          objectCall(`${className}.${method}`, { ...fixed, ...(positional.length ? { args: positional } : {}) }, options);
          return stub;
        };
      },
    });
    return stub;
  }

  /** wx.createTCPSocket(): connect({address, port}), write(data), close(); onConnect/onMessage/onClose/onError. */
  function tcpSocket(socketId) {
    const target = `tcp:${socketId}`;
    let peer = {};
    const socket = {
      connect(options = {}) {
        peer = { address: options.address, port: options.port };
        objectCall('TCPSocket.connect', { socketId, ...peer, timeout: options.timeout }, {});
      },
      write(data) {
        objectCall('TCPSocket.write', { socketId, ...peer, ...payload(data, 'data') }, {});
      },
      close() {
        objectCall('TCPSocket.close', { socketId, ...peer }, {});
      },
    };
    return withListeners(socket, target, ['Connect', 'Message', 'Close', 'Error', 'BindWifi']);
  }

  /** wx.createUDPSocket(): bind(port?) -> port, send({address, port, message}), close(); onMessage/... */
  function udpSocket(socketId) {
    const target = `udp:${socketId}`;
    const socket = {
      bind(port) {
        return objectCall('UDPSocket.bind', { socketId, port: Number(port) || 0 }, {}, true).port;
      },
      send(options = {}) {
        objectCall('UDPSocket.send', { socketId, address: options.address, port: options.port,
          ...payload(options.message, 'data') }, {});
      },
      write(options = {}) {
        socket.send(options);
      },
      close() {
        objectCall('UDPSocket.close', { socketId }, {});
      },
    };
    return withListeners(socket, target, ['Message', 'Close', 'Error', 'Listening']);
  }

  let lastSocketTask = null;

  /** wx.connectSocket(options) -> SocketTask (send, close, onOpen, onMessage, onClose, onError). */
  function connectSocket(options) {
    const { callbacks, data } = splitOptions(options);
    const queued = [];
    const task = {
      target: null,
      send(sendOptions = {}) {
        const call = () => objectCall('SocketTask.send', { socketTaskId: task.id, ...payload(sendOptions.data, 'data') },
          sendOptions);
        if (task.id) call();
        else queued.push(call);
      },
      close(closeOptions = {}) {
        const call = () => objectCall('SocketTask.close', { socketTaskId: task.id, code: closeOptions.code,
          reason: closeOptions.reason }, closeOptions);
        if (task.id) call();
        else queued.push(call);
      },
    };
    const pendingListeners = [];
    for (const name of ['Open', 'Message', 'Close', 'Error']) {
      task['on' + name] = (fn) => (task.target ? addTargetListener(task.target, 'on' + name, fn)
        : pendingListeners.push(['on' + name, fn]));
    }
    lastSocketTask = task;
    C.bridge.invokeAsync('connectSocket', data, currentRoute(), (resultJson) => {
      const result = C.bridge.parseResult('connectSocket', resultJson);
      if (isOk(result)) {
        task.id = result.socketTaskId;
        task.target = `socket:${task.id}`;
        for (const [name, fn] of pendingListeners) addTargetListener(task.target, name, fn);
        targetListeners(task.target);
        queued.splice(0).forEach((call) => call());
      }
      deliver('connectSocket', result, callbacks, null);
    });
    return task;
  }

  function withListeners(object, target, names) {
    for (const name of names) {
      object['on' + name] = (fn) => addTargetListener(target, 'on' + name, fn);
      object['off' + name] = (fn) => {
        const set = targetListeners(target).get('on' + name);
        if (set) (typeof fn === 'function' ? set.delete(fn) : set.clear());
      };
    }
    targetListeners(target);
    return object;
  }

  function createObject(name, options) {
    const result = C.bridge.invokeSync(name, splitOptions(options).data, currentRoute());
    if (!isOk(result)) noteFailure(name, result);
    if (name === 'createTCPSocket' && isOk(result)) return tcpSocket(result.socketId);
    if (name === 'createUDPSocket' && isOk(result)) return udpSocket(result.socketId);
    const className = name.replace(/^(create|get)/, '');
    return bridgedObject(className);
  }

  // The legacy single-socket API acts on the newest SocketTask.
  const SOCKET_APIS = {
    connectSocket,
    sendSocketMessage: (options) => (lastSocketTask ? lastSocketTask.send(options)
      : deliver('sendSocketMessage', { errMsg: 'sendSocketMessage:fail WebSocket is not connected' },
        splitOptions(options).callbacks, null)),
    closeSocket: (options) => lastSocketTask && lastSocketTask.close(options),
  };

  // ---- wx.createSelectorQuery(): the page's layout, measured where it is drawn -----------------

  /** The page on top: its <wx-page> root (the others are hidden). */
  function visiblePage() {
    return [...document.querySelectorAll('#pages > wx-page')].find((el) => el.style.display !== 'none') || null;
  }

  function rectOf(el) {
    const r = el.getBoundingClientRect();
    return { id: el.id || '', dataset: { ...el.dataset }, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
      width: r.width, height: r.height };
  }

  function fieldsOf(el, wanted) {
    const out = {};
    if (wanted.id) out.id = el.id || '';
    if (wanted.dataset) out.dataset = { ...el.dataset };
    if (wanted.rect || wanted.size) Object.assign(out, rectOf(el));
    if (wanted.scrollOffset) Object.assign(out, { scrollLeft: el.scrollLeft, scrollTop: el.scrollTop });
    for (const name of wanted.properties || []) out[name] = el[name];
    for (const name of wanted.computedStyle || []) out[name] = getComputedStyle(el).getPropertyValue(name);
    return out;
  }

  /**
   * SelectorQuery as WeChat's: select/selectAll/selectViewport, .in(component) for a component's own
   * nodes, boundingClientRect/scrollOffset/fields, exec(cb) with the results in request order. Nodes
   * are looked up in the page's (or component's) drawn elements, where WXML ids and classes are kept.
   */
  function selectorQuery(scope = null) {
    const requests = [];
    const query = {
      in(component) {
        scope = component && component.__simHost ? component.__simHost : scope;
        return query;
      },
      select: (selector) => nodesRef(selector, false),
      selectAll: (selector) => nodesRef(selector, true),
      selectViewport: () => nodesRef(null, false),
      exec(callback) {
        setTimeout(() => {
          const results = requests.map((measure) => measure());
          if (typeof callback === 'function') C.errors.guard({ during: 'SelectorQuery.exec callback' }, () => callback(results));
        }, 0);
        return query;
      },
    };

    function nodes(selector, all) {
      if (selector === null) return [document.getElementById('pages')];
      const root = scope || visiblePage();
      if (!root) return [];
      return all ? [...root.querySelectorAll(selector)] : [root.querySelector(selector)].filter(Boolean);
    }

    function nodesRef(selector, all) {
      const add = (callback, measure) => {
        requests.push(() => {
          const found = nodes(selector, all).map(measure);
          const value = all ? found : found[0] || null;
          if (typeof callback === 'function') C.errors.guard({ during: 'SelectorQuery callback' }, () => callback(value));
          return value;
        });
        return query;
      };
      return {
        boundingClientRect: (callback) => add(callback, rectOf),
        scrollOffset: (callback) => add(callback, (el) => ({ id: el.id || '', dataset: { ...el.dataset },
          scrollLeft: el.scrollLeft, scrollTop: el.scrollTop })),
        fields: (wanted, callback) => add(callback, (el) => fieldsOf(el, wanted || {})),
      };
    }
    return query;
  }

  // ---- the wx object ---------------------------------------------------------------------------

  function apiFor(name) {
    if (name === 'createSelectorQuery') return () => selectorQuery();
    if (CONTAINER_APIS[name]) return (options) => callContainerApi(name, options);
    if (SOCKET_APIS[name]) return SOCKET_APIS[name];
    if (/^on[A-Z]/.test(name)) return (listener) => register(name, listener);
    if (/^off[A-Z]/.test(name)) return (listener) => unregister(name, listener);
    if (OBJECT_API.test(name)) return (options) => createObject(name, options);
    if (name.endsWith('Sync') || SYNC_NAMES.has(name)) return (...args) => callSync(name, args);
    return (options) => callAsync(name, options);
  }

  const properties = Object.create(null);
  properties.env = { USER_DATA_PATH: 'wxfile://usr' };

  const wx = new Proxy(properties, {
    get(target, name) {
      if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return target[name];
      if (!(name in target)) target[name] = apiFor(name); // app code may also replace wx.request
      return target[name];
    },
  });

  /** A tap on <button open-type="...">: invoke its API, answer with the open-type event. */
  function openTypeTap(buttonEl, openType) {
    const vnode = buttonEl.__vnode;
    const spec = C.components.OPEN_TYPES[openType];
    if (!spec) {
      C.errors.report(new C.errors.AppError(vnode.file, vnode.line,
        `button open-type="${openType}" is not supported by the sim yet`), { during: 'a tap' });
      return;
    }
    const data = { openType, buttonId: String(vnode.attrs.id || '') };
    C.bridge.invokeAsync(spec.api, data, currentRoute(), (resultJson) => {
      const result = C.bridge.parseResult(spec.api, resultJson);
      if (!isOk(result)) noteFailure(spec.api, result);
      if (spec.event) C.dom.fire(buttonEl, spec.event, result);
    });
  }

  // ---- privacy: the app's wx.onNeedPrivacyAuthorization handler ---------------------------------

  /**
   * The host needs the user's privacy consent and the app registered a handler: call it with
   * (resolve, {referrer}); resolve({event: 'agree'|'disagree', buttonId}) goes back to the host.
   */
  function privacyNeeded(event) {
    const handlers = listeners.get('onNeedPrivacyAuthorization');
    const resolve = (answer = {}) => {
      const data = { requestId: event.requestId, event: String(answer.event || ''), buttonId: String(answer.buttonId || '') };
      C.bridge.invokeAsync('__privacyResolve', data, currentRoute(), (resultJson) => {
        const result = C.bridge.parseResult('__privacyResolve', resultJson);
        if (!isOk(result)) console.error(`[sim] onNeedPrivacyAuthorization resolve: ${result.errMsg}`);
      });
    };
    if (!handlers || !handlers.size) {
      console.error('[sim] the host asked the app for privacy consent, but no onNeedPrivacyAuthorization handler is set');
      return;
    }
    for (const fn of handlers) C.errors.guard({ during: 'wx.onNeedPrivacyAuthorization handler' },
      () => fn(resolve, { referrer: event.referrer }));
  }

  C.bridge.eventHandlers.listener = fireListener;
  C.bridge.eventHandlers.privacy_needed = privacyNeeded;
  C.wx = { wx, listeners, openTypeTap, selectorQuery };
})();

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

  // Each method call crosses the bridge as "<Class>.<method>" (e.g. "RecorderManager.start").
  function bridgedObject(className) {
    const stub = new Proxy(Object.create(null), {
      get(_, method) {
        if (typeof method !== 'string' || method === 'then' || method === 'toJSON') return undefined;
        return (...args) => {
          const options = args.find((a) => a && typeof a === 'object');
          const { callbacks, data } = splitOptions(options);
          const positional = args.filter((a) => typeof a !== 'object' && typeof a !== 'function');
          if (positional.length) data.args = positional;
          const api = `${className}.${method}`;
          C.bridge.invokeAsync(api, data, currentRoute(), (resultJson) =>
            deliver(api, C.bridge.parseResult(api, resultJson), callbacks, null));
          return stub;
        };
      },
    });
    return stub;
  }

  function createObject(name, options) {
    const result = C.bridge.invokeSync(name, splitOptions(options).data, currentRoute());
    if (!isOk(result)) noteFailure(name, result);
    return bridgedObject(name.replace(/^(create|get)/, ''));
  }

  // ---- the wx object ---------------------------------------------------------------------------

  function apiFor(name) {
    if (CONTAINER_APIS[name]) return (options) => callContainerApi(name, options);
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

  C.wx = { wx, listeners, openTypeTap };
})();

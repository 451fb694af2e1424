// The mini program runtime: CommonJS modules of the app's .js files, App() / Page() / getApp() /
// getCurrentPages(), page instances with setData and lifecycles, the page stack and navigation,
// and the lifecycle reports to the host (__lifecycle).
(() => {
  'use strict';
  const C = window.simContainer;
  const { AppError, report, guard } = C.errors;

  const MAX_PAGES = 10; // WeChat's page stack limit

  const state = {
    files: {},
    appid: '',
    appConfig: {},
    modules: null,
    app: undefined,
    pageDefinitions: new Map(), // route -> the object given to Page()
    templates: new Map(), // route -> loaded WXML
    stack: [], // PageView, top last
    launchOptions: null,
    exited: false,
  };

  // ---- modules ---------------------------------------------------------------------------------

  const WRAPPER_PARAMS = ['require', 'module', 'exports', 'App', 'Page', 'getApp', 'getCurrentPages', 'wx',
    'Component', 'Behavior'];
  // `new Function` puts "function anonymous(<params>\n) {\n" before the body: 2 lines.
  C.APP_LINE_OFFSET = 2;

  function joinPath(dirParts, request) {
    const parts = [...dirParts];
    for (const piece of request.split('/')) {
      if (piece === '..') parts.pop();
      else if (piece !== '.' && piece) parts.push(piece);
    }
    return parts.join('/');
  }

  /** Where a syntax error is: parse (never run) the code in a <script>, whose error event has the line. */
  function syntaxErrorLine(source) {
    let line = null;
    const onError = (event) => {
      line = event.lineno;
      event.preventDefault();
    };
    C.quietErrors = true;
    window.addEventListener('error', onError);
    const script = document.createElement('script');
    script.textContent = `(function () {\n${source}\n})`;
    document.head.appendChild(script);
    script.remove();
    window.removeEventListener('error', onError);
    C.quietErrors = false;
    return line === null ? null : line - 1;
  }

  class Modules {
    constructor(files) {
      this.files = files;
      this.cache = new Map(); // path -> module
      this.executing = []; // paths of the modules running now (Page() belongs to the innermost)
    }

    resolve(from, request) {
      const dir = from.split('/').slice(0, -1);
      const bases = request.startsWith('/') ? [joinPath([], request)]
        : request.startsWith('.') ? [joinPath(dir, request)]
          : [joinPath(dir, request), joinPath([], request), joinPath(['miniprogram_npm'], request)];
      for (const base of bases) {
        for (const path of [base, base + '.js', base + '/index.js']) {
          if (path.endsWith('.js') && path in this.files) return path;
        }
      }
      return null;
    }

    require(from, request) {
      const path = this.resolve(from, String(request));
      if (!path) throw new Error(`module "${request}" is not defined (required from ${from})`);
      return this.load(path);
    }

    compile(path) {
      const source = this.files[path];
      try {
        return new Function(...WRAPPER_PARAMS, `${source}\n//# sourceURL=${C.APP_URL}${path}`);
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        throw new AppError(path, syntaxErrorLine(source), `SyntaxError: ${error.message}`);
      }
    }

    load(path) {
      if (this.cache.has(path)) return this.cache.get(path).exports;
      if (!(path in this.files)) throw new AppError(path, null, 'the file is not in the app');
      const module = { exports: {}, id: path, loaded: false };
      this.cache.set(path, module);
      const fn = this.compile(path);
      const require = (request) => this.require(path, request);
      this.executing.push(path);
      try {
        fn.call(module.exports, require, module, module.exports, App, Page, getApp, getCurrentPages, C.wx.wx,
          unsupportedConstructor('Component'), unsupportedConstructor('Behavior'));
      } finally {
        this.executing.pop();
      }
      module.loaded = true;
      return module.exports;
    }

    current() {
      return this.executing[this.executing.length - 1];
    }
  }

  // ---- App(), Page(), getApp(), getCurrentPages() -------------------------------------------------

  function App(options) {
    if (state.app) throw new Error('App() is called more than once');
    if (!options || typeof options !== 'object') throw new TypeError('App() expects an object');
    state.app = options;
  }

  function Page(options) {
    const file = state.modules.current();
    if (!file) throw new Error('Page() must be called while a page script is loading');
    if (!options || typeof options !== 'object') throw new TypeError('Page() expects an object');
    state.pageDefinitions.set(file.replace(/\.js$/, ''), options);
  }

  function getApp() {
    return state.app;
  }

  function getCurrentPages() {
    return state.stack.map((view) => view.instance);
  }

  function unsupportedConstructor(name) {
    return () => {
      throw new Error(`${name}() (custom components) is not supported by the sim yet`);
    };
  }

  // ---- data ------------------------------------------------------------------------------------

  // Page data crosses WeChat's thread boundary as JSON: functions and undefined are dropped.
  function cloneData(value) {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }

  /** "list[0].x" -> ['list', 0, 'x']. */
  function parseDataPath(path) {
    const tokens = [...path.matchAll(/\.?([^.[\]]+)|\[(\d+)\]/g)];
    if (!tokens.length || tokens.map((t) => t[0]).join('') !== path || path.startsWith('.')) {
      throw new Error(`setData: "${path}" is not a data path (use a.b or list[0].x)`);
    }
    return tokens.map((t) => (t[2] !== undefined ? Number(t[2]) : t[1]));
  }

  function assignPath(target, keys, value) {
    let node = target;
    keys.slice(0, -1).forEach((key, i) => {
      if (node[key] === null || typeof node[key] !== 'object') node[key] = typeof keys[i + 1] === 'number' ? [] : {};
      node = node[key];
    });
    node[keys[keys.length - 1]] = value;
  }

  // ---- configuration ---------------------------------------------------------------------------

  function readJson(file, { required = false } = {}) {
    if (!(file in state.files)) {
      if (required) throw new AppError(file, null, 'the file is missing');
      return {};
    }
    try {
      return JSON.parse(state.files[file]);
    } catch (error) {
      throw new AppError(file, null, `not valid JSON: ${error.message}`);
    }
  }

  function windowConfig(route) {
    const page = guard({ file: `${route}.json` }, () => readJson(`${route}.json`)) || {};
    if (page.usingComponents && Object.keys(page.usingComponents).length) {
      report(new AppError(`${route}.json`, null, 'usingComponents (custom components) are not supported by the sim yet'));
    }
    return { ...(state.appConfig.window || {}), ...page };
  }

  // ---- pages -----------------------------------------------------------------------------------

  class PageView {
    constructor(route, query) {
      this.route = route;
      this.query = query;
      this.jsFile = `${route}.js`;
      this.wxmlFile = `${route}.wxml`;
      this.mounted = false;
      this.unloaded = false;
      this.config = windowConfig(route);
      this.root = document.createElement('wx-page');
      this.root.dataset.route = route;
      this.hooks = {
        callHandler: (name, event) => this.callHandler(name, event),
        openType: (button, openType) => C.wx.openTypeTap(button, openType),
      };
      const definition = guard({ file: this.jsFile, during: 'loading the page' }, () => pageDefinition(route)) || {};
      this.template = guard({ file: this.wxmlFile }, () => pageTemplate(route));
      this.style = guard({ file: `${route}.wxss` }, () => pageStyle(route));
      this.instance = this.instantiate(definition);
    }

    instantiate(definition) {
      const page = {};
      for (const [key, value] of Object.entries(definition)) {
        if (key === 'data') continue;
        page[key] = typeof value === 'function' ? value : guard({ file: this.jsFile }, () => cloneData(value));
      }
      page.data = cloneData(definition.data || {});
      page.route = this.route;
      page.__route__ = this.route;
      page.options = this.query;
      page.setData = (changes, callback) => this.setData(changes, callback);
      return page;
    }

    callHook(name, ...args) {
      const hook = this.instance[name];
      if (typeof hook === 'function') guard({ file: this.jsFile, during: name }, () => hook.apply(this.instance, args));
    }

    callHandler(name, event) {
      const handler = this.instance[name];
      if (typeof handler !== 'function') {
        report(new AppError(this.wxmlFile, null,
          `the page has no method "${name}" to handle the ${event.type} event`));
        return undefined;
      }
      return guard({ file: this.jsFile, during: `${name} (${event.type} event)` }, () => handler.call(this.instance, event));
    }

    setData(changes, callback) {
      if (this.unloaded) {
        console.warn(`[sim] setData on ${this.route} after it was unloaded`);
        return;
      }
      if (!changes || typeof changes !== 'object') throw new TypeError('setData expects an object');
      for (const [path, value] of Object.entries(changes)) {
        if (value === undefined) {
          console.warn(`[sim] setData: "${path}" set to undefined is ignored (as in WeChat)`);
          continue;
        }
        assignPath(this.instance.data, parseDataPath(path), cloneData(value));
      }
      if (this.mounted) this.render();
      if (typeof callback === 'function') guard({ file: this.jsFile, during: 'a setData callback' }, () => callback.call(this.instance));
    }

    render() {
      if (!this.template) return;
      guard({ file: this.wxmlFile, during: 'rendering' }, () =>
        C.dom.patch(this.root, C.wxml.render(this.template, this.instance.data, this.wxmlFile), this.hooks));
    }

    /** onLoad, onShow, first render, onReady: WeChat's order for a new page. */
    open() {
      this.callHook('onLoad', { ...this.query });
      this.callHook('onShow');
      this.render();
      this.mounted = true;
      this.callHook('onReady');
    }

    unload() {
      this.callHook('onUnload');
      this.unloaded = true;
      this.root.remove();
      if (this.style) this.style.remove();
    }
  }

  function pageDefinition(route) {
    if (!state.pageDefinitions.has(route)) {
      state.modules.load(`${route}.js`);
      if (!state.pageDefinitions.has(route)) throw new AppError(`${route}.js`, null, 'Page() was not called');
    }
    return state.pageDefinitions.get(route);
  }

  function pageTemplate(route) {
    if (!state.templates.has(route)) {
      const file = `${route}.wxml`;
      if (!(file in state.files)) throw new AppError(file, null, 'the page template is missing');
      state.templates.set(route, C.wxml.load(state.files[file], file));
    }
    return state.templates.get(route);
  }

  function pageStyle(route) {
    const css = C.wxss.toCss(`${route}.wxss`, state.files);
    return css === null ? null : C.wxss.install(`${route}#${state.stack.length}`, css);
  }

  // ---- page stack and navigation --------------------------------------------------------------

  const top = () => state.stack[state.stack.length - 1];

  function currentRoute() {
    return state.exited || !top() ? null : top().route;
  }

  /** "../detail/detail?id=3" from the current page -> {route, query}. */
  function parseUrl(url) {
    const [path, search = ''] = String(url || '').split('?');
    const from = top() ? top().route.split('/').slice(0, -1) : [];
    const route = path.startsWith('/') ? joinPath([], path) : joinPath(from, path);
    return { route, query: Object.fromEntries(new URLSearchParams(search)) };
  }

  function openPage(route, query) {
    lifecycle('route', route);
    const view = new PageView(route, query);
    state.stack.push(view);
    document.getElementById('pages').appendChild(view.root);
    showTop();
    view.open();
  }

  function showTop() {
    const current = top();
    for (const view of state.stack) {
      view.root.style.display = view === current ? '' : 'none';
      if (view.style) view.style.disabled = view !== current;
    }
    const bar = document.querySelector('wx-nav-bar');
    const config = current ? current.config : state.appConfig.window || {};
    bar.querySelector('.title').textContent = config.navigationBarTitleText || '';
    bar.style.backgroundColor = config.navigationBarBackgroundColor || '#000000';
    bar.dataset.textStyle = config.navigationBarTextStyle === 'black' ? 'black' : 'white';
    bar.querySelector('.back').hidden = state.stack.length < 2;
    document.getElementById('pages').style.backgroundColor = config.backgroundColor || '';
  }

  /** navigateTo / redirectTo / reLaunch / switchTab / navigateBack; returns a wx result. */
  function navigate(kind, options) {
    if (state.exited) return { errMsg: `${kind}:fail the mini program has exited` };
    if (kind === 'navigateBack') return navigateBack(Number(options.delta) || 1);
    const { route, query } = parseUrl(options.url);
    if (!(state.appConfig.pages || []).includes(route)) return { errMsg: `${kind}:fail page "${route}" is not found` };
    if (kind === 'navigateTo') {
      if (state.stack.length >= MAX_PAGES) return { errMsg: `${kind}:fail webview count limit exceed` };
      top().callHook('onHide');
    } else if (kind === 'redirectTo') {
      state.stack.pop().unload();
    } else {
      while (state.stack.length) state.stack.pop().unload();
    }
    openPage(route, kind === 'switchTab' ? {} : query);
    return { errMsg: `${kind}:ok` };
  }

  function navigateBack(delta) {
    if (state.stack.length < 2) return { errMsg: 'navigateBack:fail cannot navigate back at first page.' };
    for (let i = 0; i < delta && state.stack.length > 1; i++) state.stack.pop().unload();
    lifecycle('route', top().route);
    showTop();
    top().callHook('onShow');
    return { errMsg: 'navigateBack:ok' };
  }

  function setTitle(title) {
    const current = top();
    if (current) current.config = { ...current.config, navigationBarTitleText: String(title ?? '') };
    showTop();
    return { errMsg: 'setNavigationBarTitle:ok' };
  }

  // ---- app lifecycle ---------------------------------------------------------------------------

  /** Report a lifecycle event to the host (a sync bridge call, as WeChat's own). */
  function lifecycle(event, page) {
    try {
      const result = C.bridge.invokeSync('__lifecycle', { event, page: page || currentRoute() || '' }, page);
      if (!result.errMsg.endsWith(':ok')) console.error(`[sim] __lifecycle ${event}: ${result.errMsg}`);
    } catch (error) {
      report(error, { during: `the ${event} lifecycle report` });
    }
  }

  function callApp(name, ...args) {
    const hook = state.app && state.app[name];
    if (typeof hook === 'function') guard({ file: 'app.js', during: name }, () => hook.apply(state.app, args));
  }

  /** Start the mini program: app.json, app.wxss, app.js (onLaunch, onShow), then the first page. */
  function launch(bundle, target) {
    state.files = bundle.files || {};
    state.appid = bundle.appid || '';
    state.appConfig = readJson('app.json', { required: true });
    const pages = state.appConfig.pages || [];
    if (!pages.length) throw new AppError('app.json', null, 'no "pages"');
    document.title = appName();
    const appCss = guard({ file: 'app.wxss' }, () => C.wxss.toCss('app.wxss', state.files));
    if (appCss) C.wxss.install('app.wxss', appCss);

    state.modules = new Modules(state.files);
    guard({ file: 'app.js', during: 'loading app.js' }, () => state.modules.load('app.js'));
    if (!state.app) report(new AppError('app.js', null, 'App() was not called'));

    let route = target.path || state.appConfig.entryPagePath || pages[0];
    if (!pages.includes(route)) {
      report(new AppError('app.json', null, `launch path "${route}" is not one of its pages`));
      route = pages[0];
    }
    state.launchOptions = { path: route, query: target.query, scene: 1001, referrerInfo: {}, apiCategory: 'default' };
    callApp('onLaunch', launchOptions());
    lifecycle('launch', route);
    callApp('onShow', launchOptions());
    lifecycle('show', route);
    openPage(route, target.query);
    window.__sim.ready = true;
  }

  function launchOptions() {
    return cloneData(state.launchOptions);
  }

  function appName() {
    return (state.appConfig.window || {}).navigationBarTitleText || state.appid || '小程序';
  }

  function hideApp() {
    if (state.exited || !top()) return;
    top().callHook('onHide');
    callApp('onHide');
    lifecycle('hide', currentRoute());
  }

  function showApp() {
    if (state.exited || !top()) return;
    callApp('onShow', launchOptions());
    top().callHook('onShow');
    lifecycle('show', currentRoute());
  }

  /** The host ended the mini program: a blank "exited" screen. */
  function exit() {
    if (state.exited) return;
    const route = currentRoute();
    hideApp();
    state.exited = true;
    lifecycle('exit', route);
    for (const el of document.querySelectorAll('#phone > :not(#sim-errors)')) el.remove();
    const screen = document.createElement('div');
    screen.id = 'sim-exited';
    screen.textContent = '小程序已退出';
    document.getElementById('phone').appendChild(screen);
  }

  document.addEventListener('visibilitychange', () => (document.hidden ? hideApp() : showApp()));
  C.bridge.eventHandlers.exit = exit;

  C.runtime = { launch, navigate, setTitle, currentRoute, appName, launchOptions, exit };
})();

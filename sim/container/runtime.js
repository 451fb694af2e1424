// The mini program runtime: CommonJS modules of the app's .js files, App() / Page() / Component() /
// Behavior() / getApp() / getCurrentPages(), custom components from usingComponents, pages (main
// package and subpackages) with their lifecycles, the page stack, the tab bar and navigation,
// and the lifecycle reports to the host (__lifecycle). Instances themselves: component-runtime.js.
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
    componentDefinitions: new Map(), // path -> the object given to Component()
    components: new Map(), // component path -> {spec, template}
    routes: [], // every page: main package and subpackages
    tabRoutes: [], // app.json tabBar pages
    tabViews: new Map(), // route -> PageView of a tab page kept alive while hidden
    stack: [], // PageView, top last
    launchOptions: null,
    exited: false,
  };

  // ---- modules ---------------------------------------------------------------------------------

  const WRAPPER_PARAMS = ['require', 'module', 'exports', 'App', 'Page', 'getApp', 'getCurrentPages', 'wx',
    'Component', 'Behavior', 'requirePlugin'];
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
          Component, Behavior, requirePlugin);
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

  // ---- App(), Page(), Component(), Behavior(), getApp(), getCurrentPages() ----------------------

  function App(options) {
    if (state.app) throw new Error('App() is called more than once');
    if (!options || typeof options !== 'object') throw new TypeError('App() expects an object');
    state.app = options;
  }

  function definingFile(what) {
    const file = state.modules.current();
    if (!file) throw new Error(`${what}() must be called while its script is loading`);
    return file.replace(/\.js$/, '');
  }

  function Page(options) {
    const path = definingFile('Page');
    if (!options || typeof options !== 'object') throw new TypeError('Page() expects an object');
    state.pageDefinitions.set(path, options);
  }

  function Component(options) {
    const path = definingFile('Component');
    if (!options || typeof options !== 'object') throw new TypeError('Component() expects an object');
    state.componentDefinitions.set(path, options);
  }

  function Behavior(options) {
    return C.instances.Behavior(options, state.modules.current());
  }

  function requirePlugin(name) {
    throw new Error(`requirePlugin("${name}"): plugins are not supported by the sim yet`);
  }

  function getApp() {
    return state.app;
  }

  function getCurrentPages() {
    return state.stack.map((view) => view.instance.pub);
  }

  // ---- configuration ---------------------------------------------------------------------------

  const { cloneData } = C.instances;

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
    return { ...(state.appConfig.window || {}), ...page };
  }

  /** Pages of the main package and of app.json subpackages (or subPackages). */
  function allRoutes(config) {
    const routes = [...(config.pages || [])];
    for (const pkg of config.subpackages || config.subPackages || []) {
      if (!pkg || typeof pkg.root !== 'string') throw new AppError('app.json', null, 'a subpackage needs a "root"');
      const root = pkg.root.replace(/^\/|\/$/g, '');
      for (const page of pkg.pages || []) routes.push(`${root}/${page}`);
    }
    return routes;
  }

  // ---- custom components -----------------------------------------------------------------------

  /** usingComponents "tag": "path" -> the component's path without extension. */
  function resolveComponent(jsonFile, tag, request) {
    const where = `usingComponents "${tag}": "${request}"`;
    if (/^plugin(-private)?:\/\//.test(request)) throw new AppError(jsonFile, null, `${where}: plugin components are not supported by the sim yet`);
    const dir = jsonFile.split('/').slice(0, -1);
    const bases = request.startsWith('/') ? [joinPath([], request)]
      : request.startsWith('.') ? [joinPath(dir, request)]
        : [joinPath(dir, request), joinPath([], request), joinPath(['miniprogram_npm'], request)];
    for (const base of bases) {
      for (const path of [base, `${base}/index`]) if (`${path}.js` in state.files) return path;
    }
    throw new AppError(jsonFile, null, `${where}: no such component in the app (looked for ${bases.map((b) => b + '.js').join(', ')})`);
  }

  /** The custom components a template may use: app.json's, then its own json's. */
  function componentsOf(jsonFile) {
    const map = new Map();
    const add = (file, using) => {
      for (const [tag, request] of Object.entries(using || {})) map.set(tag, resolveComponent(file, tag, String(request)));
    };
    add('app.json', state.appConfig.usingComponents);
    add(jsonFile, readJson(jsonFile).usingComponents);
    return map;
  }

  function templateOf(path) {
    const file = `${path}.wxml`;
    if (!(file in state.files)) throw new AppError(file, null, 'the template is missing');
    return C.wxml.loadFile(file, { files: state.files, components: componentsOf(`${path}.json`), key: path });
  }

  /** A component's definition, template and style (once per path). */
  function componentType(path) {
    if (state.components.has(path)) return state.components.get(path);
    const json = readJson(`${path}.json`);
    if (json.component !== true) throw new AppError(`${path}.json`, null, '"component": true is missing: not a custom component');
    if (!state.componentDefinitions.has(path)) state.modules.load(`${path}.js`);
    const definition = state.componentDefinitions.get(path);
    if (!definition) throw new AppError(`${path}.js`, null, 'Component() was not called');
    const spec = C.instances.mergeDefinition(C.instances.emptySpec(`${path}.js`), definition, `${path}.js`);
    const type = { spec, template: templateOf(path) };
    const css = guard({ file: `${path}.wxss` }, () => C.wxss.toCss(`${path}.wxss`, state.files, undefined, path));
    if (css) C.wxss.install(`component:${path}`, css); // no style isolation in the sim: component WXSS is global
    state.components.set(path, type);
    return type;
  }

  /** The instance behind a custom component's tag (dom.js creates its host element). */
  function createComponent(vnode, host) {
    let type = guard({ file: `${vnode.component}.js`, during: `creating <${vnode.tag}>` }, () => componentType(vnode.component));
    if (!type) type = { spec: C.instances.emptySpec(`${vnode.component}.js`), template: null };
    return new C.instances.Instance({ kind: 'component', spec: type.spec, path: vnode.component, template: type.template,
      owner: vnode.owner, page: vnode.owner.page, host });
  }

  // ---- pages -----------------------------------------------------------------------------------

  /** A page on the stack: its instance (built by Page() or Component()), its <wx-page>, its style. */
  class PageView {
    constructor(route, query) {
      this.route = route;
      this.query = query;
      this.jsFile = `${route}.js`;
      this.config = windowConfig(route);
      this.root = document.createElement('wx-page');
      this.root.dataset.route = route;
      this.root.addEventListener('scroll', () => this.scrolled());
      const empty = C.instances.emptySpec(this.jsFile);
      const spec = guard({ file: this.jsFile, during: 'loading the page' }, () => pageSpec(route)) || empty;
      this.byComponent = Boolean(spec.byComponent);
      const template = guard({ file: `${route}.wxml` }, () => templateOf(route));
      this.style = guard({ file: `${route}.wxss` }, () => pageStyle(route));
      this.instance = new C.instances.Instance({ kind: 'page', spec, path: route, template, host: this.root });
      Object.assign(this.instance.pub, { route, __route__: route, options: { ...query } });
    }

    hook(name, ...args) {
      this.instance.call(name, args);
    }

    /** The page's web view scrolled: onPageScroll, and onReachBottom on entering onReachBottomDistance. */
    scrolled() {
      const root = this.root;
      this.hook('onPageScroll', { scrollTop: root.scrollTop });
      const distance = Number(this.config.onReachBottomDistance ?? 50);
      const atBottom = root.scrollHeight - root.clientHeight - root.scrollTop <= distance;
      if (atBottom && !this.atBottom) this.hook('onReachBottom');
      this.atBottom = atBottom;
    }

    /** Component() pages and components of the page hear page shows and hides too. */
    pageLifetime(name) {
      for (const component of this.instance.descendants()) component.pageLifetime(name);
    }

    /** WeChat's order: components created and attached by the first render, onLoad, onShow, ready, onReady. */
    open() {
      const instance = this.instance;
      if (this.byComponent) {
        instance.lifetime('created');
        instance.receive(this.query, { tag: 'page', file: `${this.route}.json` });
      }
      guard({ file: `${this.route}.wxml`, during: 'rendering' }, () => instance.render());
      instance.mounted = true;
      if (this.byComponent) instance.lifetime('attached');
      this.hook('onLoad', { ...this.query });
      this.show();
      instance.opened = true;
      C.dom.flushReady();
      if (this.byComponent) instance.lifetime('ready');
      this.hook('onReady');
    }

    show() {
      this.hook('onShow');
      this.pageLifetime('show');
    }

    hide() {
      this.hook('onHide');
      this.pageLifetime('hide');
    }

    unload() {
      this.hook('onUnload');
      for (const component of this.instance.descendants()) {
        if (!component.detached) component.lifetime('detached');
        component.detached = true;
      }
      if (this.byComponent) this.instance.lifetime('detached');
      this.instance.detached = true;
      this.root.remove();
      if (this.style) this.style.remove();
      if (state.tabViews.get(this.route) === this) state.tabViews.delete(this.route);
    }
  }

  function pageSpec(route) {
    const file = `${route}.js`;
    if (!state.pageDefinitions.has(route) && !state.componentDefinitions.has(route)) state.modules.load(file);
    const { emptySpec, mergeDefinition } = C.instances;
    if (state.pageDefinitions.has(route)) return mergeDefinition(emptySpec(file), state.pageDefinitions.get(route), file, { asPage: true });
    if (state.componentDefinitions.has(route)) {
      return Object.assign(mergeDefinition(emptySpec(file), state.componentDefinitions.get(route), file), { byComponent: true });
    }
    throw new AppError(file, null, 'Page() was not called');
  }

  function pageStyle(route) {
    const css = C.wxss.toCss(`${route}.wxss`, state.files);
    return css === null ? null : C.wxss.install(`${route}#${state.stack.length}`, css);
  }

  // ---- page stack, tab bar and navigation --------------------------------------------------------

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
    if (state.tabRoutes.includes(route)) state.tabViews.set(route, view);
    document.getElementById('pages').appendChild(view.root);
    showTop();
    view.open();
  }

  function showTop() {
    const current = top();
    for (const view of new Set([...state.stack, ...state.tabViews.values()])) {
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
    showTabBar(current);
  }

  /** app.json tabBar: drawn at the bottom while a tab page is on top; a tap switches tabs. */
  function buildTabBar() {
    const tabBar = state.appConfig.tabBar;
    if (!tabBar) return;
    const list = Array.isArray(tabBar.list) ? tabBar.list : [];
    if (list.length < 2 || list.length > 5) throw new AppError('app.json', null, 'tabBar.list needs 2 to 5 items');
    if (tabBar.custom) report(new AppError('app.json', null, 'tabBar.custom (custom-tab-bar) is not supported by the sim yet; drawing the default tab bar'));
    state.tabRoutes = list.map((item) => String(item.pagePath || '').replace(/^\//, ''));
    for (const route of state.tabRoutes) {
      if (!state.appConfig.pages.includes(route)) throw new AppError('app.json', null, `tabBar page "${route}" is not in the main package "pages"`);
    }
    const bar = document.createElement('wx-tab-bar');
    bar.hidden = true;
    bar.style.backgroundColor = tabBar.backgroundColor || '#ffffff';
    bar.dataset.borderStyle = tabBar.borderStyle || 'black';
    list.forEach((item, index) => {
      const cell = document.createElement('div');
      cell.className = 'item';
      cell.dataset.path = state.tabRoutes[index];
      const icon = document.createElement('img');
      icon.className = 'icon';
      const label = document.createElement('span');
      label.className = 'text';
      label.textContent = item.text || '';
      if (item.iconPath) cell.appendChild(icon);
      cell.appendChild(label);
      cell.addEventListener('click', () => tapTab(index, item));
      bar.appendChild(cell);
    });
    document.getElementById('phone').insertBefore(bar, document.getElementById('sim-errors'));
  }

  function showTabBar(current) {
    const bar = document.querySelector('wx-tab-bar');
    if (!bar) return;
    const tabBar = state.appConfig.tabBar;
    const visible = Boolean(current) && state.tabRoutes.includes(current.route);
    bar.hidden = !visible;
    document.getElementById('pages').style.bottom = visible ? '50px' : '';
    [...bar.children].forEach((cell, index) => {
      const selected = visible && cell.dataset.path === current.route;
      const item = tabBar.list[index];
      cell.toggleAttribute('selected', selected);
      cell.style.color = selected ? tabBar.selectedColor || '#07c160' : tabBar.color || '#7a7e83';
      const icon = cell.querySelector('img');
      const src = selected && item.selectedIconPath ? item.selectedIconPath : item.iconPath;
      if (icon && src) icon.setAttribute('src', `/app/${String(src).replace(/^\//, '')}`);
    });
  }

  function tapTab(index, item) {
    const route = state.tabRoutes[index];
    if (top()) top().hook('onTabItemTap', { index: String(index), pagePath: route, text: item.text || '' });
    if (currentRoute() !== route) navigate('switchTab', { url: `/${route}` });
  }

  /** Take pages off the stack: tab pages are hidden and kept, others unloaded (top first). */
  function clearStack({ keepTabs }) {
    while (state.stack.length) {
      const view = state.stack.pop();
      if (keepTabs && state.tabViews.get(view.route) === view) view.hide();
      else view.unload();
    }
    if (!keepTabs) for (const view of [...state.tabViews.values()]) view.unload();
  }

  /** navigateTo / redirectTo / reLaunch / switchTab / navigateBack; returns a wx result. */
  function navigate(kind, options) {
    if (state.exited) return { errMsg: `${kind}:fail the mini program has exited` };
    if (kind === 'navigateBack') return navigateBack(Number(options.delta) || 1);
    const { route, query } = parseUrl(options.url);
    if (!state.routes.includes(route)) return { errMsg: `${kind}:fail page "${route}" is not found` };
    const isTab = state.tabRoutes.includes(route);
    if (kind === 'switchTab' && !isTab) return { errMsg: 'switchTab:fail can not switch to no-tabBar page' };
    if ((kind === 'navigateTo' || kind === 'redirectTo') && isTab) return { errMsg: `${kind}:fail can not ${kind} a tabbar page` };
    if (kind === 'navigateTo') {
      if (state.stack.length >= MAX_PAGES) return { errMsg: `${kind}:fail webview count limit exceed` };
      top().hide();
    } else if (kind === 'redirectTo') {
      const view = state.stack.pop();
      view.unload();
    } else if (kind === 'switchTab') {
      if (currentRoute() === route && state.stack.length === 1) return { errMsg: 'switchTab:ok' };
      clearStack({ keepTabs: true });
      const kept = state.tabViews.get(route);
      if (kept) {
        state.stack.push(kept);
        lifecycle('route', route);
        showTop();
        kept.show();
        return { errMsg: 'switchTab:ok' };
      }
    } else {
      clearStack({ keepTabs: false });
    }
    openPage(route, kind === 'switchTab' ? {} : query);
    return { errMsg: `${kind}:ok` };
  }

  function navigateBack(delta) {
    if (state.stack.length < 2) return { errMsg: 'navigateBack:fail cannot navigate back at first page.' };
    for (let i = 0; i < delta && state.stack.length > 1; i++) state.stack.pop().unload();
    lifecycle('route', top().route);
    showTop();
    top().show();
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
    state.routes = allRoutes(state.appConfig);
    buildTabBar();
    document.title = appName();
    const appCss = guard({ file: 'app.wxss' }, () => C.wxss.toCss('app.wxss', state.files));
    if (appCss) C.wxss.install('app.wxss', appCss);

    state.modules = new Modules(state.files);
    guard({ file: 'app.js', during: 'loading app.js' }, () => state.modules.load('app.js'));
    if (!state.app) report(new AppError('app.js', null, 'App() was not called'));

    let route = target.path || state.appConfig.entryPagePath || pages[0];
    if (!state.routes.includes(route)) {
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

  // The native side knows first (WeChat calls onHide/onShow because the program left or came back):
  // the host hears of it before the handlers run, so what they do is timed inside the new state.
  function hideApp() {
    if (state.exited || !top()) return;
    lifecycle('hide', currentRoute());
    top().hide();
    callApp('onHide');
  }

  function showApp() {
    if (state.exited || !top()) return;
    lifecycle('show', currentRoute());
    callApp('onShow', launchOptions());
    top().show();
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

  // hideApp/showApp: the user leaves the mini program and comes back (the driver's `background` step).
  C.runtime = { launch, navigate, setTitle, currentRoute, appName, launchOptions, exit, createComponent, getApp,
    getCurrentPages, hideApp, showApp };
})();

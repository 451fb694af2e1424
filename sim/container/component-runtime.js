// Pages and custom components as instances of one kind: definitions from Page() / Component() /
// Behavior() normalised into a spec, data with setData (path keys), properties with types,
// observers, lifetimes, pageLifetimes, triggerEvent, selectComponent. The page stack lives in
// runtime.js; the DOM side (creating hosts, patching, events) in dom.js.
(() => {
  'use strict';
  const C = window.simContainer;
  const { AppError, report, guard } = C.errors;

  const COMPONENT_KEYS = new Set(['properties', 'data', 'observers', 'methods', 'behaviors', 'created', 'attached',
    'ready', 'moved', 'detached', 'error', 'lifetimes', 'pageLifetimes', 'externalClasses', 'options', 'export',
    'relations', 'definitionFilter', 'generics']);
  const UNSUPPORTED_KEYS = ['relations', 'definitionFilter', 'generics'];
  const LIFETIMES = ['created', 'attached', 'ready', 'moved', 'detached', 'error'];
  // Built-in behaviors: marker ids the runtime checks (form fields, export()).
  const BUILTIN_BEHAVIORS = new Set(['wx://form-field', 'wx://form-field-group', 'wx://form-field-button',
    'wx://component-export']);

  // ---- data ------------------------------------------------------------------------------------

  /** Data crosses WeChat's thread boundary as JSON: functions and undefined are dropped. */
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

  function readPath(target, keys) {
    return keys.reduce((node, key) => (node == null ? undefined : node[key]), target);
  }

  const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

  function deepMerge(base, over) {
    const out = { ...base };
    for (const [key, value] of Object.entries(over)) {
      out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key], value) : value;
    }
    return out;
  }

  // ---- definitions -----------------------------------------------------------------------------

  /** Behavior(): a definition other definitions mix in. */
  function Behavior(definition, file) {
    if (!definition || typeof definition !== 'object') throw new TypeError('Behavior() expects an object');
    return { __simBehavior: true, definition, file };
  }

  function normaliseProperty(name, raw, file) {
    if (raw === null || typeof raw === 'function') return { type: raw, value: undefined };
    if (raw && typeof raw === 'object') {
      return { type: raw.type === undefined ? null : raw.type, optionalTypes: raw.optionalTypes || [],
        value: raw.value, observer: raw.observer };
    }
    throw new AppError(file, null, `property "${name}" must be a type (String, Number, ...) or {type, value}`);
  }

  function typeDefault(type) {
    return new Map([[String, ''], [Number, 0], [Boolean, false], [Array, []], [Object, null]]).get(type) ?? null;
  }

  /** An empty spec: what every definition is merged into. */
  function emptySpec(file) {
    return { file, properties: {}, data: {}, methods: {}, fields: {}, lifetimes: {}, pageLifetimes: {},
      observers: [], behaviors: new Set(), options: {}, externalClasses: [], exportFn: null };
  }

  /**
   * Merge a Component() (or Page(), when asPage) definition into `spec`, behaviors first so the
   * definition's own methods, data and properties win and all lifetimes run (behaviors' first).
   */
  function mergeDefinition(spec, definition, file, { asPage = false, seen = new Set() } = {}) {
    for (const behavior of definition.behaviors || []) {
      if (typeof behavior === 'string') {
        if (!BUILTIN_BEHAVIORS.has(behavior)) throw new AppError(file, null, `behavior "${behavior}" is not supported by the sim yet`);
        spec.behaviors.add(behavior);
        if (behavior === 'wx://form-field') {
          spec.properties.name ||= { type: String, value: '' };
          spec.properties.value ||= { type: null, value: null };
        }
        continue;
      }
      if (!behavior || !behavior.__simBehavior) throw new AppError(file, null, 'behaviors must come from Behavior()');
      if (seen.has(behavior)) continue;
      seen.add(behavior);
      spec.behaviors.add(behavior);
      mergeDefinition(spec, behavior.definition, behavior.file || file, { seen });
    }
    if (asPage) return mergePage(spec, definition, file);
    for (const key of UNSUPPORTED_KEYS) {
      if (definition[key]) throw new AppError(file, null, `Component ${key} is not supported by the sim yet`);
    }
    for (const [name, raw] of Object.entries(definition.properties || {})) {
      spec.properties[name] = normaliseProperty(name, raw, file);
    }
    spec.data = deepMerge(spec.data, cloneData(definition.data || {}));
    Object.assign(spec.methods, definition.methods || {});
    const lifetimes = definition.lifetimes || {};
    for (const name of LIFETIMES) {
      const fn = lifetimes[name] || definition[name];
      if (typeof fn === 'function') (spec.lifetimes[name] ||= []).push(fn);
    }
    for (const [name, fn] of Object.entries(definition.pageLifetimes || {})) {
      if (typeof fn === 'function') (spec.pageLifetimes[name] ||= []).push(fn);
    }
    for (const [fields, fn] of Object.entries(definition.observers || {})) {
      if (typeof fn === 'function') spec.observers.push({ fields: parseObserverFields(fields), fn, key: fields });
    }
    Object.assign(spec.options, definition.options || {});
    spec.externalClasses.push(...(definition.externalClasses || []));
    if (typeof definition.export === 'function') spec.exportFn = definition.export;
    for (const key of Object.keys(definition)) {
      if (!COMPONENT_KEYS.has(key) && typeof definition[key] === 'function') {
        console.warn(`[sim] ${file}: Component() ignores top-level function "${key}" (put it in methods), as WeChat does`);
      }
    }
    return spec;
  }

  function mergePage(spec, definition, file) {
    for (const [key, value] of Object.entries(definition)) {
      if (key === 'data') spec.data = deepMerge(spec.data, cloneData(value || {}));
      else if (key === 'behaviors' || key === 'options') continue;
      else if (typeof value === 'function') spec.methods[key] = value;
      else spec.fields[key] = guard({ file }, () => cloneData(value));
    }
    return spec;
  }

  /** "a, b.c, list[0], some.**" -> [{path: ['a'], deep: false}, ...] */
  function parseObserverFields(text) {
    return text.split(',').map((field) => field.trim()).filter(Boolean).map((field) => {
      if (field === '**') return { path: [], deep: true };
      const deep = field.endsWith('.**');
      const base = deep ? field.slice(0, -3) : field;
      return { path: parseDataPath(base).map(String), deep };
    });
  }

  // A field fires when a setData path sets it, one of its parents, or (for x.**) anything under it.
  function fieldTouched(field, changed) {
    const n = Math.min(field.path.length, changed.length);
    for (let i = 0; i < n; i++) if (field.path[i] !== changed[i]) return false;
    return changed.length <= field.path.length || field.deep;
  }

  // ---- instances -------------------------------------------------------------------------------

  let nextId = 1;

  /**
   * A page or a component: `pub` is the `this` app code sees. `host` is the element its template
   * renders into (<wx-page> or the component's tag), `owner` the instance whose template used it.
   */
  class Instance {
    constructor({ kind, spec, path, template, owner = null, page = null, host }) {
      this.id = nextId++;
      this.kind = kind;
      this.spec = spec;
      this.path = path; // "components/card/card" or the page route
      this.jsFile = `${path}.js`;
      this.wxmlFile = `${path}.wxml`;
      this.template = template;
      this.owner = owner;
      this.page = page || this;
      this.host = host;
      this.vtree = [];
      this.slots = [];
      this.mounted = false;
      this.detached = false;
      this.batching = 0;
      this.depth = 0;
      this.pub = this.makePublic();
    }

    makePublic() {
      const pub = {};
      for (const [key, value] of Object.entries(this.spec.fields)) pub[key] = cloneData(value);
      for (const [name, fn] of Object.entries(this.spec.methods)) pub[name] = fn;
      const data = cloneData(this.spec.data);
      for (const [name, prop] of Object.entries(this.spec.properties)) {
        if (!(name in data)) data[name] = cloneData(prop.value === undefined ? typeDefault(prop.type) : prop.value);
      }
      pub.data = data;
      if (this.kind === 'component') {
        pub.properties = data;
        pub.is = this.path;
        pub.id = '';
        pub.dataset = {};
        pub.triggerEvent = (name, detail, options) => this.triggerEvent(name, detail, options);
        pub.selectOwnerComponent = () => (this.owner ? this.owner.exported() : null);
        pub.hasBehavior = (behavior) => this.spec.behaviors.has(behavior);
      }
      pub.setData = (changes, callback) => this.setData(changes, callback);
      pub.selectComponent = (selector) => this.selectComponent(selector);
      pub.selectAllComponents = (selector) => this.selectAllComponents(selector);
      pub.createSelectorQuery = () => C.wx.selectorQuery(this.host); // this page's or component's own nodes
      Object.defineProperty(pub, '__simHost', { get: () => this.host }); // SelectorQuery.in(this)
      pub.createIntersectionObserver = (options) => C.wx.wx.createIntersectionObserver(options);
      pub.getPageId = () => `pageId:${this.page.id}`;
      pub.__wxExparserNodeId__ = `sim-${this.id}`;
      return pub;
    }

    get data() {
      return this.pub.data;
    }

    /** Call a method of the definition (lifecycle or handler) as WeChat does: errors reported, never thrown. */
    call(name, args, during) {
      const fn = this.pub[name];
      if (typeof fn !== 'function') return undefined;
      return guard({ file: this.jsFile, during: during || name }, () => fn.apply(this.pub, args));
    }

    lifetime(name, ...args) {
      for (const fn of this.spec.lifetimes[name] || []) {
        guard({ file: this.jsFile, during: `lifetimes.${name}` }, () => fn.apply(this.pub, args));
      }
    }

    pageLifetime(name, ...args) {
      for (const fn of this.spec.pageLifetimes[name] || []) {
        guard({ file: this.jsFile, during: `pageLifetimes.${name}` }, () => fn.apply(this.pub, args));
      }
    }

    /** A WXML event handler of this instance; a missing method is an error naming the template. */
    callHandler(name, event) {
      if (typeof this.pub[name] !== 'function') {
        report(new AppError(this.wxmlFile, null,
          `the ${this.kind} has no method "${name}" to handle the ${event.type} event`));
        return undefined;
      }
      return this.call(name, [event], `${name} (${event.type} event)`);
    }

    setData(changes, callback) {
      if (this.detached) {
        console.warn(`[sim] setData on ${this.path} after it was ${this.kind === 'page' ? 'unloaded' : 'detached'}`);
        return;
      }
      if (!changes || typeof changes !== 'object') throw new TypeError('setData expects an object');
      const changed = [];
      for (const [path, value] of Object.entries(changes)) {
        if (value === undefined) {
          console.warn(`[sim] setData: "${path}" set to undefined is ignored (as in WeChat)`);
          continue;
        }
        const keys = parseDataPath(path);
        const old = readPath(this.data, keys);
        assignPath(this.data, keys, cloneData(value));
        changed.push(keys.map(String));
        if (keys.length === 1) this.propertyObserver(path, this.data[path], old);
      }
      this.runObservers(changed);
      if (this.mounted && !this.batching) this.render();
      if (typeof callback === 'function') guard({ file: this.jsFile, during: 'a setData callback' }, () => callback.call(this.pub));
    }

    propertyObserver(name, value, old) {
      const prop = this.spec.properties[name];
      if (!prop || !prop.observer || JSON.stringify(value) === JSON.stringify(old)) return;
      const fn = typeof prop.observer === 'function' ? prop.observer : this.pub[prop.observer];
      if (typeof fn !== 'function') {
        report(new AppError(this.jsFile, null, `property "${name}" observer "${prop.observer}" is not a method`));
        return;
      }
      guard({ file: this.jsFile, during: `the ${name} property observer` }, () => fn.call(this.pub, value, old, [name]));
    }

    runObservers(changed) {
      if (!changed.length || !this.spec.observers.length) return;
      if (++this.depth > 50) {
        this.depth = 0;
        throw new AppError(this.jsFile, null, 'observers call setData in an endless loop');
      }
      try {
        for (const observer of this.spec.observers) {
          if (!observer.fields.some((field) => changed.some((path) => fieldTouched(field, path)))) continue;
          const args = observer.fields.map((field) => readPath(this.data, field.path));
          guard({ file: this.jsFile, during: `observers["${observer.key}"]` }, () => observer.fn.apply(this.pub, args));
        }
      } finally {
        this.depth--;
      }
    }

    /** Properties from the owner's attributes: coerced to their type, observers fired, no render. */
    receive(props, hostInfo) {
      Object.assign(this.pub, { id: hostInfo.id || '', dataset: hostInfo.dataset || {} });
      this.externalClasses = {};
      for (const name of this.spec.externalClasses) {
        const key = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
        if (key in props) this.externalClasses[name] = String(props[key] ?? '');
      }
      const changes = {};
      for (const [name, prop] of Object.entries(this.spec.properties)) {
        if (!(name in props)) continue;
        const value = coerce(prop, props[name]);
        if (!this.mounted || JSON.stringify(value) !== JSON.stringify(this.data[name])) changes[name] = value;
      }
      const external = new Set(this.spec.externalClasses.map((n) => n.replace(/-([a-z])/g, (_, c) => c.toUpperCase())));
      for (const name of Object.keys(props)) {
        if (!(name in this.spec.properties) && !external.has(name) && !this.warned?.has(name)) {
          (this.warned ||= new Set()).add(name);
          console.warn(`[sim] <${hostInfo.tag}> in ${hostInfo.file}: "${name}" is not a property of ${this.path}`);
        }
      }
      if (!Object.keys(changes).length) return;
      this.batching++;
      try {
        guard({ file: this.jsFile, during: 'setting properties' }, () => this.setData(changes));
      } finally {
        this.batching--;
      }
    }

    /** The vnodes of this instance's template, with the owner's slot content in its <slot>s. */
    renderTree() {
      if (!this.template) return [];
      const vnodes = guard({ file: this.wxmlFile, during: 'rendering' }, () => C.wxml.render(this.template, this.data, this)) || [];
      if (this.externalClasses && Object.keys(this.externalClasses).length) mapExternalClasses(vnodes, this.externalClasses);
      return this.kind === 'component' ? fillSlots(vnodes, this.slots, Boolean(this.spec.options.multipleSlots), this) : vnodes;
    }

    render() {
      C.dom.patchInstance(this);
    }

    triggerEvent(name, detail, options = {}) {
      if (this.detached || !this.host) return;
      C.dom.triggerCustom(this, String(name), detail === undefined ? {} : detail, options || {});
    }

    /** What selectComponent returns for this instance: export() for wx://component-export, else `this`. */
    exported() {
      if (this.spec.behaviors.has('wx://component-export') && this.spec.exportFn) {
        return guard({ file: this.jsFile, during: 'export()' }, () => this.spec.exportFn.call(this.pub));
      }
      return this.pub;
    }

    ownComponents() {
      const found = [];
      const walk = (vnodes) => {
        for (const vnode of vnodes) {
          if (vnode.instance) {
            if (vnode.instance.owner === this) found.push(vnode.instance);
            walk(vnode.instance.vtree);
          } else if (vnode.children) walk(vnode.children);
        }
      };
      walk(this.vtree);
      return found;
    }

    selectAllComponents(selector) {
      return this.ownComponents().filter((c) => c.host && c.host.matches(String(selector))).map((c) => c.exported());
    }

    selectComponent(selector) {
      return this.selectAllComponents(selector)[0] ?? null;
    }

    /** Every component instance under this one (for pageLifetimes and detaching), children first. */
    descendants() {
      const found = [];
      const walk = (vnodes) => {
        for (const vnode of vnodes) {
          if (vnode.instance) {
            walk(vnode.instance.vtree);
            found.push(vnode.instance);
          } else if (vnode.children) walk(vnode.children);
        }
      };
      walk(this.vtree);
      return found;
    }
  }

  /** externalClasses: a class name the owner chose replaces the component's placeholder class. */
  function mapExternalClasses(vnodes, mapping) {
    for (const vnode of vnodes) {
      if (!vnode.attrs) continue;
      if (typeof vnode.attrs.class === 'string') {
        vnode.attrs.class = vnode.attrs.class.split(/\s+/).map((name) => mapping[name] ?? name).join(' ');
      }
      if (!vnode.component) mapExternalClasses(vnode.children, mapping);
    }
  }

  function coerce(prop, value) {
    const types = [prop.type, ...(prop.optionalTypes || [])];
    if (types.includes(null) || types.includes(undefined)) return cloneData(value);
    const matches = (type) => (type === String && typeof value === 'string') || (type === Number && typeof value === 'number')
      || (type === Boolean && typeof value === 'boolean') || (type === Array && Array.isArray(value))
      || (type === Object && value !== null && typeof value === 'object');
    if (types.some(matches)) return cloneData(value);
    if (prop.type === String) return value == null ? '' : String(typeof value === 'object' ? JSON.stringify(value) : value);
    if (prop.type === Number) return Number.isNaN(Number(value)) ? 0 : Number(value);
    if (prop.type === Boolean) return Boolean(value);
    if (prop.type === Array) return [];
    return null;
  }

  /** Replace <slot> placeholders by the owner's vnodes (named slots need options.multipleSlots). */
  function fillSlots(vnodes, slotted, multiple, instance) {
    const byName = new Map();
    for (const vnode of slotted) {
      const name = multiple && vnode.attrs && vnode.attrs.slot ? String(vnode.attrs.slot) : '';
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name).push(vnode);
    }
    const used = new Set();
    const fill = (list) => list.flatMap((vnode) => {
      if (vnode.slot !== undefined) {
        const name = multiple ? vnode.slot : '';
        if (used.has(name)) return []; // a slot shows its content once
        used.add(name);
        return byName.get(name) || [];
      }
      if (vnode.children && !vnode.instance) vnode.children = fill(vnode.children);
      return [vnode];
    });
    const out = fill(vnodes);
    for (const name of byName.keys()) {
      if (!used.has(name) && name && !instance.warnedSlots?.has(name)) {
        (instance.warnedSlots ||= new Set()).add(name);
        console.warn(`[sim] ${instance.wxmlFile}: no <slot name="${name}"> for content given to it`);
      }
    }
    return out;
  }

  C.instances = { Instance, Behavior, emptySpec, mergeDefinition, cloneData, parseDataPath, BUILTIN_BEHAVIORS };
})();

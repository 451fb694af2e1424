// vnodes -> <wx-*> elements (and custom components' hosts), patched in place so an <input> keeps
// focus while the user types; DOM events -> WXML events: capture-bind/capture-catch, bind/catch
// bubbling, mut-bind, mark, dataset; triggerEvent with bubbles/composed; form submit and reset.
(() => {
  'use strict';
  const C = window.simContainer;
  const { components } = C.components;
  const text = (value) => C.expr.asText(value);

  // ---- patching --------------------------------------------------------------------------------

  const readyQueue = []; // components attached but not yet told `ready`

  /** Render an instance (page or component) into its host element. */
  function patchInstance(instance) {
    const next = instance.renderTree();
    patchChildren(instance.host, instance.vtree, next);
    instance.vtree = next;
    if (instance.page.opened) flushReady();
  }

  /** `ready` for components attached since the last flush, children first (as attached). */
  function flushReady() {
    while (readyQueue.length) {
      const instance = readyQueue.shift();
      if (!instance.detached) instance.lifetime('ready');
    }
  }

  function create(vnode) {
    if ('text' in vnode) {
      vnode.el = document.createTextNode(vnode.text);
      return vnode.el;
    }
    if (vnode.component) return createComponent(vnode);
    const spec = components[vnode.tag];
    const el = document.createElement('wx-' + vnode.tag);
    if (spec.create) spec.create(el);
    vnode.el = el;
    el.__vnode = vnode;
    applyAttrs(el, vnode, null);
    if (spec.update) spec.update(el, vnode, null);
    for (const child of vnode.children) el.appendChild(create(child));
    if (spec.after) spec.after(el, vnode, null, ui);
    return el;
  }

  function hostInfo(vnode) {
    return { id: text(vnode.attrs.id), dataset: { ...vnode.dataset }, tag: vnode.tag, file: vnode.file };
  }

  /** A custom component's host: created, properties set, template rendered, attached. */
  function createComponent(vnode) {
    const el = document.createElement(vnode.tag);
    el.setAttribute('is', vnode.component);
    vnode.el = el;
    el.__vnode = vnode;
    applyAttrs(el, vnode, null);
    const instance = C.runtime.createComponent(vnode, el);
    vnode.instance = instance;
    el.__instance = instance;
    instance.slots = vnode.children;
    instance.lifetime('created');
    instance.receive(vnode.props, hostInfo(vnode));
    instance.vtree = instance.renderTree();
    for (const child of instance.vtree) el.appendChild(create(child));
    instance.mounted = true;
    instance.lifetime('attached');
    readyQueue.push(instance);
    return el;
  }

  function sameKind(a, b) {
    if ('text' in a || 'text' in b) return 'text' in a && 'text' in b;
    return a.tag === b.tag && a.component === b.component;
  }

  function update(old, vnode) {
    const el = old.el;
    vnode.el = el;
    if ('text' in vnode) {
      if (old.text !== vnode.text) el.nodeValue = vnode.text;
      return;
    }
    el.__vnode = vnode;
    applyAttrs(el, vnode, old);
    if (vnode.component) {
      const instance = old.instance;
      vnode.instance = instance;
      instance.slots = vnode.children;
      instance.receive(vnode.props, hostInfo(vnode));
      const next = instance.renderTree();
      patchChildren(el, instance.vtree, next);
      instance.vtree = next;
      return;
    }
    const spec = components[vnode.tag];
    if (spec.update) spec.update(el, vnode, old);
    patchChildren(el, old.children, vnode.children);
    if (spec.after) spec.after(el, vnode, old, ui);
  }

  /**
   * Patch `parent`'s children from `olds` to `news`: keyed vnodes (wx:key) are matched by key and
   * moved, the others by position; what is left of `olds` is removed (components detached).
   */
  function patchChildren(parent, olds, news) {
    const byKey = new Map();
    for (const old of olds) if (old.key !== undefined && !byKey.has(old.key)) byKey.set(old.key, old);
    const used = new Set();
    const anchor = olds.length ? olds[0].el : null; // decorations a component adds come before its children
    let previous = null;
    news.forEach((next, i) => {
      let old = next.key !== undefined ? byKey.get(next.key) : olds[i];
      if (old && (used.has(old) || (next.key === undefined && old.key !== undefined))) old = undefined;
      let el;
      if (old && (old === next || sameKind(old, next))) {
        if (old !== next) update(old, next); // the same object: slot content its owner patched already
        used.add(old);
        el = next.el;
      } else el = create(next);
      const ref = previous ? previous.nextSibling : anchor;
      if (el !== ref) parent.insertBefore(el, ref);
      previous = el;
    });
    for (const old of olds) if (!used.has(old)) remove(old);
  }

  function remove(vnode) {
    vnode.el.remove();
    detachTree(vnode);
  }

  /** `detached` for every component under a removed vnode, children first. */
  function detachTree(vnode) {
    if (vnode.instance) {
      for (const instance of [...vnode.instance.descendants(), vnode.instance]) detach(instance);
    } else if (vnode.children) vnode.children.forEach(detachTree);
  }

  function detach(instance) {
    if (instance.detached) return;
    instance.lifetime('detached');
    instance.detached = true;
  }

  function applyAttrs(el, vnode, old) {
    const before = old ? old.attrs : {};
    const names = new Set([...Object.keys(before), ...Object.keys(vnode.attrs)]);
    for (const name of names) {
      const value = vnode.attrs[name];
      if (old && before[name] === value) continue;
      if (name === 'class') el.className = text(value);
      else if (name === 'style') el.style.cssText = C.wxss.rpxToPx(text(value));
      else if (name === 'id') el.id = text(value);
      else if (name === 'hidden') el.toggleAttribute('hidden', Boolean(value));
      else if (value === undefined || value === null || value === false || value === '') el.removeAttribute(name);
      else if (value === true) el.setAttribute(name, '');
      else if (typeof value !== 'object') el.setAttribute(name, String(value));
      else el.removeAttribute(name); // objects live in the dataset / component state only
    }
  }

  // ---- events ----------------------------------------------------------------------------------

  const BUBBLING = new Set(['tap', 'longpress', 'longtap', 'touchstart', 'touchmove', 'touchend', 'touchcancel']);

  function info(el) {
    const vnode = el.__vnode;
    return { id: el.id || '', offsetLeft: el.offsetLeft, offsetTop: el.offsetTop, dataset: { ...(vnode ? vnode.dataset : {}) } };
  }

  function wxEvent(type, target, current, detail, timeStamp, mark, touches) {
    return { type, timeStamp, target, currentTarget: current, detail, mark, touches, changedTouches: touches };
  }

  /** Elements from `el` up to (not including) its <wx-page> that came from WXML. */
  function pathOf(el) {
    const path = [];
    for (let current = el; current && current.tagName !== 'WX-PAGE'; current = current.parentElement) {
      if (current.__vnode) path.push(current);
    }
    return path;
  }

  /** Run `el`'s bindings of one phase; returns {result, caught}. */
  function runBindings(el, type, capture, state, makeEvent) {
    let caught = false;
    let result;
    for (const binding of el.__vnode.events) {
      if (binding.type !== type || binding.capture !== capture) continue;
      if (binding.mut && state.mutDone) continue;
      result = binding.owner.callHandler(binding.handler, makeEvent(el));
      if (binding.mut) state.mutDone = true;
      caught = caught || binding.catch;
    }
    return { result, caught };
  }

  /** Deliver a built-in component's event: capture down, then bubble up (bubbling types only). */
  function deliver(el, type, detail, timeStamp, touches = []) {
    if (!el.closest('wx-page')) return undefined;
    const path = pathOf(el);
    const target = info(el);
    const mark = {};
    for (const node of [...path].reverse()) Object.assign(mark, node.__vnode.marks || {});
    const makeEvent = (current) => wxEvent(type, target, info(current), detail, timeStamp, mark, touches);
    const state = { mutDone: false };
    const bubbles = BUBBLING.has(type);
    for (const current of bubbles ? [...path].reverse() : [el]) {
      if (runBindings(current, type, true, state, makeEvent).caught) return undefined;
    }
    let returned;
    for (const current of bubbles ? path : [el]) {
      const { result, caught } = runBindings(current, type, false, state, makeEvent);
      if (current === el) returned = result;
      if (caught) break;
    }
    return returned;
  }

  /**
   * this.triggerEvent(name, detail, {bubbles, composed, capturePhase}): the host's bindings in the
   * owner's template; with bubbles, its ancestors in that template; with composed, across
   * component boundaries up to the page.
   */
  function triggerCustom(instance, type, detail, options) {
    const host = instance.host;
    if (!host.__vnode) return; // a Component() page: nobody above it listens
    const target = info(host);
    let scope = host.__vnode.owner;
    const reached = [host];
    for (let current = host.parentElement; current && current.tagName !== 'WX-PAGE'; current = current.parentElement) {
      const vnode = current.__vnode;
      if (!vnode) continue;
      if (options.composed && current.__instance === scope) {
        scope = vnode.owner;
        reached.push(current);
      } else if (options.bubbles && vnode.owner === scope) reached.push(current);
    }
    const state = { mutDone: false };
    const makeEvent = (current) => wxEvent(type, target, info(current), detail, performance.now(), {}, []);
    if (options.capturePhase) {
      for (const current of [...reached].reverse()) if (runBindings(current, type, true, state, makeEvent).caught) return;
    }
    for (const current of reached) if (runBindings(current, type, false, state, makeEvent).caught) return;
  }

  function wxElementOf(node) {
    let el = node;
    while (el && !el.__vnode) el = el.parentElement;
    return el;
  }

  // Helpers component behaviours (components.js `activate`) call back into.
  const ui = {
    fire: (el, type, detail) => deliver(el, type, detail, performance.now()),
    tap: (el, event) => tapOn(el, event),
    submit(form) {
      ui.fire(form, 'submit', { value: formValues(form), formId: '' });
    },
    reset(form) {
      for (const el of form.querySelectorAll('*')) {
        const spec = el.__vnode && !el.__instance && components[el.__vnode.tag];
        if (spec && spec.reset) spec.reset(el);
      }
      ui.fire(form, 'reset', {});
    },
  };

  /** {name: value} of the form's fields, custom components with behaviors: ['wx://form-field'] too. */
  function formValues(form) {
    const value = {};
    for (const el of form.querySelectorAll('*')) {
      const instance = el.__instance;
      if (instance) {
        if (instance.spec.behaviors.has('wx://form-field') && instance.data.name) value[instance.data.name] = instance.data.value;
        continue;
      }
      const vnode = el.__vnode;
      const spec = vnode && components[vnode.tag];
      if (!spec || !spec.formValue || !vnode.attrs.name) continue;
      value[text(vnode.attrs.name)] = spec.formValue(el);
    }
    return value;
  }

  function touchesOf(event) {
    return [{ identifier: 0, clientX: event.clientX, clientY: event.clientY, pageX: event.pageX, pageY: event.pageY }];
  }

  /** A tap: the tap event, then what the tapped components do (checkbox, navigator, submit, ...). */
  function tapOn(el, event) {
    const button = el.closest('wx-button');
    if (button && button.__vnode && button.__vnode.attrs.disabled) return; // a disabled button gives no tap
    C.lastTapAt = performance.now(); // what the bridge calls a user gesture (bridge.js)
    deliver(el, 'tap', { x: event.clientX, y: event.clientY }, event.timeStamp, touchesOf(event));
    for (const current of pathOf(el)) {
      const spec = !current.__instance && components[current.__vnode.tag];
      if (spec && spec.activate) C.errors.guard({ file: current.__vnode.file, during: `a tap on <${current.__vnode.tag}>` },
        () => spec.activate(current, ui, event));
    }
    const openType = button && button.__vnode.attrs['open-type'];
    if (openType) C.wx.openTypeTap(button, String(openType));
  }

  function onClick(event) {
    const el = wxElementOf(event.target);
    if (!el || !el.closest('wx-page')) return;
    if (el.__longPressed) {
      el.__longPressed = false;
      return; // a long press is not also a tap
    }
    tapOn(el, event);
  }

  let pressed = null;
  function onPointer(type) {
    return (event) => {
      const el = wxElementOf(event.target);
      if (type === 'touchstart' && el) {
        pressed = { el, timer: setTimeout(() => {
          el.__longPressed = true;
          deliver(el, 'longpress', { x: event.clientX, y: event.clientY }, performance.now(), touchesOf(event));
          deliver(el, 'longtap', { x: event.clientX, y: event.clientY }, performance.now(), touchesOf(event));
        }, 350) };
      }
      if (type === 'touchmove' && !pressed) return;
      if ((type === 'touchend' || type === 'touchcancel') && pressed) {
        clearTimeout(pressed.timer);
        pressed = null;
      }
      if (el) deliver(el, type, { x: event.clientX, y: event.clientY }, event.timeStamp, touchesOf(event));
    };
  }

  const FIELDS = new Set(['WX-INPUT', 'WX-TEXTAREA']);

  function onInput(event) {
    const el = wxElementOf(event.target);
    if (!el || !FIELDS.has(el.tagName)) return;
    const field = event.target;
    const vnode = el.__vnode;
    if (vnode.model) vnode.owner.setData({ [vnode.model.path]: field.value }); // model:value two-way binding
    const detail = { value: field.value, cursor: field.selectionStart, keyCode: event.data ? event.data.charCodeAt(0) : 0 };
    const replaced = deliver(el, 'input', detail, event.timeStamp);
    if (typeof replaced === 'string' || typeof replaced === 'number') field.value = String(replaced);
  }

  function onFieldSide(type) {
    return (event) => {
      const el = wxElementOf(event.target);
      if (!el || !FIELDS.has(el.tagName)) return;
      if (type === 'confirm' && (event.key !== 'Enter' || el.tagName === 'WX-TEXTAREA')) return;
      deliver(el, type, { value: event.target.value }, event.timeStamp);
    };
  }

  function onImage(type) {
    return (event) => {
      const el = wxElementOf(event.target);
      if (!el || el.tagName !== 'WX-IMAGE') return;
      const img = event.target;
      deliver(el, type, type === 'load' ? { width: img.naturalWidth, height: img.naturalHeight }
        : { errMsg: `GET ${img.src} failed` }, event.timeStamp);
    };
  }

  function onScroll(event) {
    const el = event.target;
    if (!el || el.tagName !== 'WX-SCROLL-VIEW' || !el.__vnode) return;
    const a = el.__vnode.attrs;
    const last = el.__lastScroll || { top: 0, left: 0 };
    deliver(el, 'scroll', { scrollTop: el.scrollTop, scrollLeft: el.scrollLeft, scrollHeight: el.scrollHeight,
      scrollWidth: el.scrollWidth, deltaX: el.scrollLeft - last.left, deltaY: el.scrollTop - last.top }, event.timeStamp);
    const lower = Number(a['lower-threshold'] ?? 50);
    const upper = Number(a['upper-threshold'] ?? 50);
    const nearBottom = el.scrollHeight - el.clientHeight - el.scrollTop <= lower;
    const nearTop = el.scrollTop <= upper;
    if (nearBottom && !last.nearBottom) deliver(el, 'scrolltolower', { direction: 'bottom' }, event.timeStamp);
    if (nearTop && !last.nearTop && last.top > 0) deliver(el, 'scrolltoupper', { direction: 'top' }, event.timeStamp);
    el.__lastScroll = { top: el.scrollTop, left: el.scrollLeft, nearBottom, nearTop };
  }

  /** Fire a component event on `el` only (open-type results such as getphonenumber). */
  function fire(el, type, detail) {
    return deliver(el, type, detail, performance.now());
  }

  /** Listen once on the element that holds all pages. */
  function listen(pagesEl) {
    pagesEl.addEventListener('click', onClick);
    pagesEl.addEventListener('pointerdown', onPointer('touchstart'));
    pagesEl.addEventListener('pointermove', onPointer('touchmove'));
    pagesEl.addEventListener('pointerup', onPointer('touchend'));
    pagesEl.addEventListener('pointercancel', onPointer('touchcancel'));
    pagesEl.addEventListener('input', onInput);
    pagesEl.addEventListener('keydown', onFieldSide('confirm'));
    pagesEl.addEventListener('focusin', onFieldSide('focus'));
    pagesEl.addEventListener('focusout', onFieldSide('blur'));
    pagesEl.addEventListener('load', onImage('load'), true); // load/error/scroll do not bubble: capture
    pagesEl.addEventListener('error', onImage('error'), true);
    pagesEl.addEventListener('scroll', onScroll, true);
  }

  C.dom = { patchInstance, flushReady, detachTree, listen, fire, triggerCustom, formValues };
})();

// vnodes -> <wx-*> elements, patched in place (so an <input> keeps focus while the user types),
// and DOM events -> WXML events (bindtap / catchtap bubbling, bindinput, ...).
(() => {
  'use strict';
  const C = window.simContainer;
  const { components } = C.components;

  // ---- patching --------------------------------------------------------------------------------

  /** Make `root` (a <wx-page>) show `vnodes`; `hooks` call into the page: {callHandler, openType}. */
  function patch(root, vnodes, hooks) {
    root.__hooks = hooks;
    patchChildren(root, root.__vtree || [], vnodes);
    root.__vtree = vnodes;
  }

  function create(vnode) {
    if ('text' in vnode) {
      vnode.el = document.createTextNode(vnode.text);
      return vnode.el;
    }
    const spec = components[vnode.tag];
    const el = document.createElement('wx-' + vnode.tag);
    if (spec.create) spec.create(el);
    vnode.el = el;
    el.__vnode = vnode;
    applyAttrs(el, vnode, null);
    if (spec.update) spec.update(el, vnode, null);
    for (const child of vnode.children) el.appendChild(create(child));
    return el;
  }

  function sameKind(a, b) {
    return 'text' in a ? 'text' in b : !('text' in b) && a.tag === b.tag;
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
    const spec = components[vnode.tag];
    if (spec.update) spec.update(el, vnode, old);
    patchChildren(el, old.children, vnode.children);
  }

  function patchChildren(parent, olds, news) {
    for (let i = 0; i < Math.max(olds.length, news.length); i++) {
      const old = olds[i];
      const next = news[i];
      if (!next) old.el.remove();
      else if (!old) parent.appendChild(create(next));
      else if (sameKind(old, next)) update(old, next);
      else parent.replaceChild(create(next), old.el);
    }
  }

  function applyAttrs(el, vnode, old) {
    const before = old ? old.attrs : {};
    const names = new Set([...Object.keys(before), ...Object.keys(vnode.attrs)]);
    for (const name of names) {
      const value = vnode.attrs[name];
      if (old && before[name] === value) continue;
      if (name === 'class') el.className = C.expr.asText(value);
      else if (name === 'style') el.style.cssText = C.wxss.rpxToPx(C.expr.asText(value));
      else if (name === 'id') el.id = C.expr.asText(value);
      else if (value === undefined || value === null || value === false || value === '') el.removeAttribute(name);
      else if (value === true) el.setAttribute(name, '');
      else if (typeof value !== 'object') el.setAttribute(name, String(value));
      else el.removeAttribute(name); // objects live in the dataset only
    }
  }

  // ---- events ----------------------------------------------------------------------------------

  const BUBBLING = new Set(['tap']); // component events (input, focus, load, ...) do not bubble

  function info(el) {
    const vnode = el.__vnode;
    return { id: el.id || '', offsetLeft: el.offsetLeft, offsetTop: el.offsetTop, dataset: { ...vnode.dataset } };
  }

  function wxEvent(type, target, current, detail, timeStamp) {
    return { type, timeStamp, target, currentTarget: current, detail, mark: {}, touches: [], changedTouches: [] };
  }

  /** Deliver a WXML event from `el` up through its ancestors (for bubbling types). */
  function deliver(el, type, detail, timeStamp) {
    const root = el.closest('wx-page');
    if (!root || !root.__hooks) return undefined;
    const target = info(el);
    let returned;
    for (let current = el; current && current !== root; current = current.parentElement) {
      const vnode = current.__vnode;
      if (!vnode) continue;
      let caught = false;
      for (const binding of vnode.events) {
        if (binding.type !== type) continue;
        const result = root.__hooks.callHandler(binding.handler, wxEvent(type, target, info(current), detail, timeStamp));
        if (current === el) returned = result;
        caught = caught || binding.catch;
      }
      if (caught || !BUBBLING.has(type)) break;
    }
    return returned;
  }

  function wxElementOf(node) {
    let el = node;
    while (el && !el.__vnode) el = el.parentElement;
    return el;
  }

  function onClick(event) {
    const el = wxElementOf(event.target);
    if (!el) return;
    const button = el.closest('wx-button');
    if (button && button.__vnode.attrs.disabled) return; // a disabled button gives no tap
    deliver(el, 'tap', { x: event.clientX, y: event.clientY }, event.timeStamp);
    const openType = button && button.__vnode.attrs['open-type'];
    if (openType) button.closest('wx-page').__hooks.openType(button, String(openType));
  }

  function onInput(event) {
    const el = wxElementOf(event.target);
    if (!el || el.tagName !== 'WX-INPUT') return;
    const input = event.target;
    const detail = { value: input.value, cursor: input.selectionStart, keyCode: event.data ? event.data.charCodeAt(0) : 0 };
    const replaced = deliver(el, 'input', detail, event.timeStamp);
    if (typeof replaced === 'string' || typeof replaced === 'number') input.value = String(replaced);
  }

  function onInputSide(type) {
    return (event) => {
      const el = wxElementOf(event.target);
      if (!el || el.tagName !== 'WX-INPUT') return;
      if (type === 'confirm' && event.key !== 'Enter') return;
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

  /** Fire a component event on `el` only (open-type results such as getphonenumber). */
  function fire(el, type, detail) {
    return deliver(el, type, detail, performance.now());
  }

  /** Listen once on the element that holds all pages. */
  function listen(pagesEl) {
    pagesEl.addEventListener('click', onClick);
    pagesEl.addEventListener('input', onInput);
    pagesEl.addEventListener('keydown', onInputSide('confirm'));
    pagesEl.addEventListener('focusin', onInputSide('focus'));
    pagesEl.addEventListener('focusout', onInputSide('blur'));
    pagesEl.addEventListener('load', onImage('load'), true); // load/error do not bubble: capture
    pagesEl.addEventListener('error', onImage('error'), true);
  }

  C.dom = { patch, listen, fire };
})();

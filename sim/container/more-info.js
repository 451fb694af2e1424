// WeChat's own 更多资料 page behind the capsule's ···: the mini program's name and its 账号主体 (the entity that
// registered it, sim.json "operator"), closed by 返回. Drawn by the container alone, with no host round trip:
// WeChat shows this page without the mini program knowing (no API call, no lifecycle event).
(() => {
  'use strict';
  const C = window.simContainer;
  let operator = null;
  let opened = 0;

  /** sim.json "operator" of the running app ('' when it names none), read once from the app bundle. */
  async function readOperator() {
    if (operator !== null) return operator;
    const response = await fetch('/app/bundle.json');
    const bundle = response.ok ? await response.json() : {};
    let config = {};
    try {
      config = JSON.parse((bundle.files || {})['sim.json'] || '{}');
    } catch (error) {
      C.errors.report(new Error(`sim.json: ${error.message}`), { during: 'opening 更多资料' });
    }
    operator = typeof config.operator === 'string' ? config.operator : '';
    return operator;
  }

  function el(tag, attrs, style, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    node.style.cssText = style;
    node.append(...children);
    return node;
  }

  const ROW = 'display:flex;justify-content:space-between;padding:14px 16px;background:#fff;border-bottom:1px solid #eee;font-size:15px;';

  async function open() {
    if (document.querySelector('wx-native-popup[data-ui="more_info"]')) return;
    const entity = await readOperator();
    const back = el('button', { type: 'button', 'data-choice': 'back', class: 'back' }, 'border:0;background:none;font-size:15px;', '返回');
    const page = el('wx-native-popup', { 'data-ui': 'more_info', 'data-ui-id': `more-${++opened}` },
      'position:absolute;left:0;top:0;right:0;bottom:0;background:#f7f7f7;z-index:1000;display:block;',
      el('div', { class: 'bar' }, 'display:flex;align-items:center;gap:8px;height:44px;padding:0 8px;background:#fff;',
        back, el('span', { class: 'title' }, 'font-size:17px;', '更多资料')),
      el('div', { class: 'body' }, 'display:block;',
        el('div', { class: 'row' }, ROW, el('span', {}, '', '名称'), el('span', {}, '', C.runtime.appName())),
        el('div', { class: 'row' }, ROW, el('span', {}, '', '账号主体'), el('span', {}, '', entity || '未填写'))));
    back.addEventListener('click', () => page.remove());
    document.getElementById('phone').appendChild(page);
  }

  document.querySelector('wx-nav-bar .capsule i').addEventListener('click', () => {
    open().catch((error) => C.errors.report(error, { during: 'opening 更多资料' }));
  });
})();

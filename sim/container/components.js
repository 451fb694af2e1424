// The WXML built-in components the sim renders: per tag, the attributes and events it accepts and
// how its custom element (<wx-TAG>, named like WeChat's web view) is built and behaves.
// Adding a component = one entry. Hooks: create(el), update(el, vnode, old) before its children
// are patched, after(el, vnode) once they are, activate(el, ui, event) on a tap (ui: dom.js helpers).
(() => {
  'use strict';
  const C = window.simContainer;

  const COMMON_ATTRS = ['id', 'class', 'style', 'hidden', 'slot'];
  // Touch events: tap from a click, longpress/longtap from a held pointer, touch* from pointer events.
  const TOUCH_EVENTS = ['tap', 'longpress', 'longtap', 'touchstart', 'touchmove', 'touchend', 'touchcancel'];
  const HOVER = ['hover-class', 'hover-stop-propagation', 'hover-start-time', 'hover-stay-time'];

  // button open-type -> the API its tap invokes and the event that carries the result back.
  const OPEN_TYPES = {
    getPhoneNumber: { api: 'getPhoneNumber', event: 'getphonenumber' },
    getRealtimePhoneNumber: { api: 'getRealtimePhoneNumber', event: 'getrealtimephonenumber' },
    chooseAvatar: { api: 'chooseAvatar', event: 'chooseavatar' },
    agreePrivacyAuthorization: { api: 'agreePrivacyAuthorization', event: 'agreeprivacyauthorization' },
    getUserInfo: { api: 'getUserInfo', event: 'getuserinfo' },
    openSetting: { api: 'openSetting', event: 'opensetting' },
    contact: { api: 'enterContact', event: 'contact' },
    share: { api: 'shareAppMessage', event: null },
    feedback: { api: 'openFeedback', event: null },
    launchApp: { api: 'launchApplication', event: 'launchapp' },
  };

  // WeChat <input type> -> browser input type and keyboard; send_keys must accept any text.
  const INPUT_TYPES = {
    text: ['text', 'text'], number: ['text', 'numeric'], idcard: ['text', 'text'], digit: ['text', 'decimal'],
    nickname: ['text', 'text'], 'safe-password': ['password', 'text'],
  };

  // picker mode="region": the sim offers a few regions (value = names, code = division codes).
  const REGIONS = [
    { value: ['广东省', '广州市', '海珠区'], code: ['440000', '440100', '440105'], postcode: '510000' },
    { value: ['北京市', '北京市', '朝阳区'], code: ['110000', '110100', '110105'], postcode: '100020' },
    { value: ['上海市', '上海市', '浦东新区'], code: ['310000', '310100', '310115'], postcode: '200120' },
    { value: ['浙江省', '杭州市', '西湖区'], code: ['330000', '330100', '330106'], postcode: '310013' },
  ];

  const ICONS = { success: '✔', success_no_circle: '✓', info: 'ℹ', warn: '!', waiting: '◷', cancel: '✕',
    download: '↓', search: '⌕', clear: '⊗', circle: '○', info_circle: 'ⓘ' };

  const text = (value) => C.expr.asText(value);
  // As in WeChat, a boolean attribute is the truth of its value: checked="false" is a (true) string.
  const truthy = (value) => Boolean(value);

  function resolveAppUrl(src, wxmlFile) {
    if (src && src.startsWith('wxfile://')) return '/wxfile/' + src.slice('wxfile://'.length); // the host serves temp files
    if (!src || /^(https?:|data:|blob:|cloud:)/.test(src)) return src;
    if (src.startsWith('/')) return '/app' + src;
    const parts = wxmlFile.split('/').slice(0, -1);
    for (const piece of src.split('/')) {
      if (piece === '..') parts.pop();
      else if (piece !== '.' && piece) parts.push(piece);
    }
    return '/app/' + parts.join('/');
  }

  /** A value pushed from data only when the bound data changes (as WeChat does), not every render. */
  const changed = (vnode, old, name) => !old || old.attrs[name] !== vnode.attrs[name];

  function textField(tagName) {
    return {
      leaf: true,
      model: ['value'],
      create(el) {
        el.appendChild(document.createElement(tagName));
      },
      update(el, vnode, old) {
        const field = el.firstElementChild;
        const a = vnode.attrs;
        if (tagName === 'input') {
          const [type, inputMode] = a.password ? ['password', 'text'] : INPUT_TYPES[a.type || 'text'] || ['text', 'text'];
          field.type = type;
          field.inputMode = inputMode;
        }
        field.placeholder = a.placeholder == null ? '' : String(a.placeholder);
        field.disabled = truthy(a.disabled);
        const max = a.maxlength === undefined ? 140 : Number(a.maxlength);
        if (max >= 0) field.maxLength = max;
        else field.removeAttribute('maxlength');
        if (a['placeholder-style']) field.dataset.placeholderStyle = a['placeholder-style'];
        if (changed(vnode, old, 'value')) field.value = text(a.value);
        if ((truthy(a.focus) || truthy(a['auto-focus'])) && !(old && (truthy(old.attrs.focus) || truthy(old.attrs['auto-focus'])))) {
          setTimeout(() => field.focus(), 0);
        }
      },
      formValue: (el) => el.firstElementChild.value,
      reset(el) {
        el.firstElementChild.value = text(el.__vnode.attrs.value);
      },
    };
  }

  /** checkbox / radio: a box before the label content; the state lives on the element. */
  function choice(kind) {
    return {
      attrs: ['value', 'checked', 'disabled', 'color'],
      create(el) {
        const box = document.createElement('span');
        box.className = `wx-${kind}-input`;
        el.appendChild(box);
      },
      update(el, vnode, old) {
        if (changed(vnode, old, 'checked')) el.toggleAttribute('wx-checked', truthy(vnode.attrs.checked));
        el.firstElementChild.style.color = text(vnode.attrs.color);
      },
      activate(el, ui) {
        if (truthy(el.__vnode.attrs.disabled)) return;
        const group = el.closest(`wx-${kind}-group`);
        if (kind === 'radio') {
          if (el.hasAttribute('wx-checked')) return;
          if (group) for (const other of group.querySelectorAll('wx-radio')) other.toggleAttribute('wx-checked', false);
          el.toggleAttribute('wx-checked', true);
        } else el.toggleAttribute('wx-checked');
        if (group) ui.fire(group, 'change', { value: components[`${kind}-group`].formValue(group) });
      },
      reset(el) {
        el.toggleAttribute('wx-checked', truthy(el.__vnode.attrs.checked));
      },
    };
  }

  function pickerValue(vnode) {
    const a = vnode.attrs;
    const mode = a.mode || 'selector';
    if (mode === 'selector') return Number(a.value) || 0;
    if (mode === 'region') return Array.isArray(a.value) ? a.value : [];
    return text(a.value);
  }

  function pickerOptions(vnode) {
    const a = vnode.attrs;
    const mode = a.mode || 'selector';
    if (mode === 'region') return REGIONS.map((r) => r.value.join(' '));
    const range = Array.isArray(a.range) ? a.range : [];
    return range.map((item) => (item && typeof item === 'object' ? text(item[a['range-key']]) : text(item)));
  }

  /** The picker's bottom sheet: options (selector, region) or a date/time field, then 确定. */
  function openPicker(el, ui) {
    const vnode = el.__vnode;
    const mode = vnode.attrs.mode || 'selector';
    const sheet = document.createElement('wx-picker-sheet');
    sheet.dataset.mode = mode;
    const close = () => sheet.remove();
    let chosen = el.__pickerValue;
    const bar = document.createElement('div');
    bar.className = 'bar';
    const cancel = document.createElement('button');
    cancel.className = 'cancel';
    cancel.textContent = '取消';
    const confirm = document.createElement('button');
    confirm.className = 'confirm';
    confirm.textContent = '确定';
    bar.append(cancel, confirm);
    sheet.appendChild(bar);
    if (mode === 'selector' || mode === 'region') {
      const list = document.createElement('div');
      list.className = 'options';
      pickerOptions(vnode).forEach((label, index) => {
        const option = document.createElement('div');
        option.className = 'option';
        option.dataset.index = String(index);
        option.textContent = label;
        const isChosen = mode === 'region' ? JSON.stringify(REGIONS[index].value) === JSON.stringify(chosen) : index === chosen;
        option.toggleAttribute('selected', isChosen);
        option.addEventListener('click', () => {
          chosen = mode === 'region' ? REGIONS[index].value : index;
          for (const other of list.children) other.toggleAttribute('selected', other === option);
        });
        list.appendChild(option);
      });
      sheet.appendChild(list);
    } else {
      const field = document.createElement('input');
      field.type = mode === 'time' ? 'time' : 'date';
      field.value = String(chosen || '');
      field.addEventListener('input', () => (chosen = field.value));
      sheet.appendChild(field);
    }
    cancel.addEventListener('click', () => {
      close();
      ui.fire(el, 'cancel', {});
    });
    confirm.addEventListener('click', () => {
      close();
      el.__pickerValue = chosen;
      const detail = { value: chosen };
      if (mode === 'region') {
        const region = REGIONS.find((r) => JSON.stringify(r.value) === JSON.stringify(chosen));
        Object.assign(detail, { code: region ? region.code : [], postcode: region ? region.postcode : '' });
      }
      ui.fire(el, 'change', detail);
    });
    document.getElementById('phone').appendChild(sheet);
  }

  /** A navigator tap: the same wx call an API user makes; its result fires success/fail, then complete. */
  function navigate(el, ui) {
    const a = el.__vnode.attrs;
    const wx = C.wx.wx;
    const callbacks = {
      success: (result) => ui.fire(el, 'success', result),
      fail: (result) => {
        console.warn(`[sim] navigator ${el.__vnode.file}:${el.__vnode.line}: ${result.errMsg}`);
        ui.fire(el, 'fail', result);
      },
      complete: (result) => ui.fire(el, 'complete', result),
    };
    if (a.target === 'miniProgram') {
      if ((a['open-type'] || 'navigate') === 'exit') return wx.exitMiniProgram({ ...callbacks });
      return wx.navigateToMiniProgram({ appId: text(a['app-id']), path: text(a.path), extraData: a['extra-data'],
        envVersion: a.version || 'release', shortLink: text(a['short-link']), ...callbacks });
    }
    const openType = a['open-type'] || 'navigate';
    const calls = { navigate: 'navigateTo', redirect: 'redirectTo', switchTab: 'switchTab', reLaunch: 'reLaunch' };
    if (openType === 'navigateBack') return wx.navigateBack({ delta: Number(a.delta) || 1, ...callbacks });
    if (openType === 'exit') {
      C.errors.report(new C.errors.AppError(el.__vnode.file, el.__vnode.line, 'navigator open-type="exit" needs target="miniProgram"'));
      return undefined;
    }
    if (!calls[openType]) {
      C.errors.report(new C.errors.AppError(el.__vnode.file, el.__vnode.line, `navigator open-type="${openType}" is not supported by the sim yet`));
      return undefined;
    }
    return wx[calls[openType]]({ url: text(a.url), ...callbacks });
  }

  /** rich-text nodes: an HTML string (sanitised like WeChat: no scripts, no handlers) or a node array. */
  function richNodes(nodes) {
    const frag = document.createDocumentFragment();
    if (typeof nodes === 'string') {
      const doc = new DOMParser().parseFromString(`<body>${nodes}</body>`, 'text/html');
      for (const bad of doc.body.querySelectorAll('script, style, iframe, object, embed, link, meta')) bad.remove();
      for (const node of doc.body.querySelectorAll('*')) {
        for (const attr of [...node.attributes]) if (/^on/i.test(attr.name) || /javascript:/i.test(attr.value)) node.removeAttribute(attr.name);
      }
      frag.append(...doc.body.childNodes);
      return frag;
    }
    for (const node of Array.isArray(nodes) ? nodes : []) {
      if (!node || typeof node !== 'object') continue;
      if (node.type === 'text') {
        frag.appendChild(document.createTextNode(text(node.text)));
        continue;
      }
      if (!/^[a-z][a-z0-9]*$/i.test(String(node.name || '')) || /^(script|style|iframe)$/i.test(node.name)) continue;
      const el = document.createElement(node.name);
      for (const [name, value] of Object.entries(node.attrs || {})) if (!/^on/i.test(name)) el.setAttribute(name, text(value));
      el.appendChild(richNodes(node.children || []));
      frag.appendChild(el);
    }
    return frag;
  }

  function showSwiperItem(el, current, source, ui) {
    const items = [...el.children].filter((c) => c.tagName === 'WX-SWIPER-ITEM');
    if (!items.length) return;
    const index = ((current % items.length) + items.length) % items.length;
    items.forEach((item, i) => item.toggleAttribute('wx-current', i === index));
    const dots = el.querySelector(':scope > .wx-swiper-dots');
    if (dots) {
      dots.replaceChildren(...items.map((_, i) => {
        const dot = document.createElement('span');
        dot.className = 'dot';
        dot.dataset.index = String(i);
        dot.toggleAttribute('active', i === index);
        return dot;
      }));
    }
    const before = el.__current;
    el.__current = index;
    if (source && before !== index) {
      const detail = { current: index, currentItemId: text(items[index].__vnode.attrs['item-id']), source };
      ui.fire(el, 'change', detail);
      ui.fire(el, 'animationfinish', detail);
    }
  }

  const components = {
    view: { attrs: HOVER },
    text: { attrs: ['selectable', 'user-select', 'space', 'decode'] },
    block: { attrs: [], virtual: true }, // renders its children only
    button: {
      attrs: ['type', 'size', 'plain', 'disabled', 'loading', 'open-type', 'form-type', ...HOVER,
        'lang', 'session-from', 'send-message-title', 'send-message-path', 'send-message-img', 'app-parameter',
        'show-message-card', 'phone-number-no-quota-toast', 'name'],
      events: [...new Set(Object.values(OPEN_TYPES).map((o) => o.event).filter(Boolean)), 'error'],
      activate(el, ui) {
        const formType = el.__vnode.attrs['form-type'];
        const form = formType && el.closest('wx-form');
        if (form && formType === 'submit') ui.submit(form);
        else if (form && formType === 'reset') ui.reset(form);
      },
    },
    input: {
      ...textField('input'),
      attrs: ['value', 'type', 'password', 'placeholder', 'placeholder-style', 'placeholder-class', 'disabled',
        'maxlength', 'cursor-spacing', 'auto-focus', 'focus', 'confirm-type', 'always-embed', 'confirm-hold',
        'cursor', 'selection-start', 'selection-end', 'adjust-position', 'hold-keyboard', 'name'],
      events: ['input', 'focus', 'blur', 'confirm'],
    },
    textarea: {
      ...textField('textarea'),
      attrs: ['value', 'placeholder', 'placeholder-style', 'placeholder-class', 'disabled', 'maxlength', 'focus',
        'auto-focus', 'auto-height', 'fixed', 'cursor-spacing', 'cursor', 'show-confirm-bar', 'selection-start',
        'selection-end', 'adjust-position', 'hold-keyboard', 'disable-default-padding', 'confirm-type', 'confirm-hold',
        'name'],
      events: ['input', 'focus', 'blur', 'confirm'],
    },
    image: {
      attrs: ['src', 'mode', 'lazy-load', 'show-menu-by-longpress', 'webp', 'fade-in'],
      events: ['load', 'error'],
      leaf: true,
      create(el) {
        el.appendChild(document.createElement('img'));
      },
      update(el, vnode) {
        const img = el.firstElementChild;
        const src = resolveAppUrl(text(vnode.attrs.src), vnode.file);
        if (img.getAttribute('src') !== src) img.setAttribute('src', src);
      },
    },
    icon: {
      attrs: ['type', 'size', 'color'],
      leaf: true,
      update(el, vnode) {
        const a = vnode.attrs;
        el.textContent = ICONS[a.type] || '';
        el.style.fontSize = `${Number(a.size) || 23}px`;
        if (a.color) el.style.color = text(a.color);
      },
    },
    'rich-text': {
      attrs: ['nodes', 'space', 'user-select'],
      leaf: true,
      update(el, vnode, old) {
        if (old && JSON.stringify(old.attrs.nodes) === JSON.stringify(vnode.attrs.nodes)) return;
        el.replaceChildren(richNodes(vnode.attrs.nodes));
      },
    },
    navigator: {
      attrs: ['target', 'url', 'open-type', 'delta', 'app-id', 'path', 'extra-data', 'version', 'short-link', ...HOVER],
      events: ['success', 'fail', 'complete'],
      activate: (el, ui) => navigate(el, ui),
    },
    'scroll-view': {
      attrs: ['scroll-x', 'scroll-y', 'upper-threshold', 'lower-threshold', 'scroll-top', 'scroll-left',
        'scroll-into-view', 'scroll-with-animation', 'enable-back-to-top', 'enable-flex', 'scroll-anchoring',
        'enhanced', 'bounces', 'show-scrollbar', 'paging-enabled', 'fast-deceleration', 'type', 'refresher-enabled'],
      events: ['scroll', 'scrolltoupper', 'scrolltolower'],
      after(el, vnode, old) {
        const a = vnode.attrs;
        if (a['scroll-top'] !== undefined && changed(vnode, old, 'scroll-top')) el.scrollTop = Number(a['scroll-top']) || 0;
        if (a['scroll-left'] !== undefined && changed(vnode, old, 'scroll-left')) el.scrollLeft = Number(a['scroll-left']) || 0;
        if (a['scroll-into-view'] && changed(vnode, old, 'scroll-into-view')) {
          const target = el.querySelector(`#${CSS.escape(text(a['scroll-into-view']))}`);
          if (target) el.scrollTop = target.offsetTop - el.offsetTop;
        }
        if (!old && truthy(a['refresher-enabled'])) {
          C.errors.report(new C.errors.AppError(vnode.file, vnode.line, 'scroll-view refresher-enabled is not supported by the sim yet'));
        }
      },
    },
    swiper: {
      attrs: ['indicator-dots', 'indicator-color', 'indicator-active-color', 'autoplay', 'current', 'interval',
        'duration', 'circular', 'vertical', 'previous-margin', 'next-margin', 'display-multiple-items',
        'easing-function', 'snap-to-edge', 'current-item-id'],
      events: ['change', 'animationfinish'],
      create(el) {
        const dots = document.createElement('div');
        dots.className = 'wx-swiper-dots';
        el.appendChild(dots);
      },
      after(el, vnode, old, ui) {
        const a = vnode.attrs;
        el.querySelector(':scope > .wx-swiper-dots').hidden = !truthy(a['indicator-dots']);
        showSwiperItem(el, changed(vnode, old, 'current') ? Number(a.current) || 0 : el.__current || 0, null, ui);
        clearInterval(el.__timer);
        if (truthy(a.autoplay)) {
          el.__timer = setInterval(() => {
            if (!el.isConnected) clearInterval(el.__timer);
            else showSwiperItem(el, (el.__current || 0) + 1, 'autoplay', ui);
          }, Number(a.interval) || 5000);
        }
      },
      activate(el, ui, event) {
        const dot = event.target.closest('.wx-swiper-dots .dot');
        if (dot && el.contains(dot)) showSwiperItem(el, Number(dot.dataset.index), 'touch', ui);
      },
    },
    'swiper-item': { attrs: ['item-id', 'skip-hidden-item-layout'] },
    form: {
      attrs: ['report-submit', 'report-submit-timeout'],
      events: ['submit', 'reset'],
    },
    label: {
      attrs: ['for'],
      activate(el, ui, event) {
        const page = el.closest('wx-page');
        const forId = el.__vnode.attrs.for;
        const control = forId ? page.querySelector(`#${CSS.escape(text(forId))}`)
          : el.querySelector('wx-checkbox, wx-radio, wx-switch, wx-button, wx-input, wx-textarea');
        if (!control || control.contains(event.target)) return;
        if (control.tagName === 'WX-INPUT' || control.tagName === 'WX-TEXTAREA') control.firstElementChild.focus();
        else ui.tap(control, event);
      },
    },
    checkbox: choice('checkbox'),
    'checkbox-group': {
      attrs: ['name'],
      events: ['change'],
      formValue: (el) => [...el.querySelectorAll('wx-checkbox[wx-checked]')].map((c) => text(c.__vnode.attrs.value)),
    },
    radio: choice('radio'),
    'radio-group': {
      attrs: ['name'],
      events: ['change'],
      formValue(el) {
        const checked = el.querySelector('wx-radio[wx-checked]');
        return checked ? text(checked.__vnode.attrs.value) : '';
      },
    },
    switch: {
      attrs: ['checked', 'disabled', 'type', 'color', 'name'],
      events: ['change'],
      model: ['checked'],
      leaf: true,
      create(el) {
        const knob = document.createElement('span');
        knob.className = 'wx-switch-input';
        el.appendChild(knob);
      },
      update(el, vnode, old) {
        if (changed(vnode, old, 'checked')) el.toggleAttribute('wx-checked', truthy(vnode.attrs.checked));
      },
      activate(el, ui) {
        if (truthy(el.__vnode.attrs.disabled)) return;
        el.toggleAttribute('wx-checked');
        ui.fire(el, 'change', { value: el.hasAttribute('wx-checked') });
      },
      formValue: (el) => el.hasAttribute('wx-checked'),
      reset(el) {
        el.toggleAttribute('wx-checked', truthy(el.__vnode.attrs.checked));
      },
    },
    picker: {
      attrs: ['mode', 'disabled', 'range', 'range-key', 'value', 'start', 'end', 'fields', 'custom-item',
        'header-text', 'level', 'name'],
      events: ['change', 'cancel'],
      update(el, vnode, old) {
        const mode = vnode.attrs.mode || 'selector';
        if (!['selector', 'date', 'time', 'region'].includes(mode)) {
          throw new C.errors.AppError(vnode.file, vnode.line, `picker mode="${mode}" is not supported by the sim yet`);
        }
        if (changed(vnode, old, 'value')) el.__pickerValue = pickerValue(vnode);
      },
      activate(el, ui) {
        if (!truthy(el.__vnode.attrs.disabled)) openPicker(el, ui);
      },
      formValue: (el) => el.__pickerValue,
      reset(el) {
        el.__pickerValue = pickerValue(el.__vnode);
      },
    },
  };

  for (const spec of Object.values(components)) {
    spec.attrs = new Set([...COMMON_ATTRS, ...(spec.attrs || [])]);
    spec.events = new Set([...TOUCH_EVENTS, ...(spec.events || [])]);
  }
  components.block.attrs = new Set(); // only wx:if / wx:for and friends
  components.block.events = new Set();

  C.components = { components, OPEN_TYPES, REGIONS, resolveAppUrl };
})();

// The WXML components the sim renders: per tag, the attributes and events it accepts and how its
// custom element (<wx-TAG>, named like WeChat's web view) is built. Adding a component = one entry.
(() => {
  'use strict';
  const C = window.simContainer;

  const COMMON_ATTRS = ['id', 'class', 'style', 'hidden'];
  const COMMON_EVENTS = ['tap'];

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

  function resolveAppUrl(src, wxmlFile) {
    if (!src || /^(https?:|data:|blob:)/.test(src)) return src;
    if (src.startsWith('/')) return '/app' + src;
    const parts = wxmlFile.split('/').slice(0, -1);
    for (const piece of src.split('/')) {
      if (piece === '..') parts.pop();
      else if (piece !== '.' && piece) parts.push(piece);
    }
    return '/app/' + parts.join('/');
  }

  const components = {
    view: { attrs: ['hover-class', 'hover-stop-propagation', 'hover-start-time', 'hover-stay-time'] },
    text: { attrs: ['selectable', 'user-select', 'space', 'decode'] },
    block: { attrs: [], virtual: true }, // renders its children only
    button: {
      attrs: ['type', 'size', 'plain', 'disabled', 'loading', 'open-type', 'form-type', 'hover-class',
        'hover-start-time', 'hover-stay-time', 'lang', 'session-from', 'send-message-title',
        'send-message-path', 'send-message-img', 'app-parameter', 'show-message-card', 'phone-number-no-quota-toast'],
      events: [...new Set(Object.values(OPEN_TYPES).map((o) => o.event).filter(Boolean)), 'error'],
    },
    input: {
      attrs: ['value', 'type', 'password', 'placeholder', 'placeholder-style', 'placeholder-class', 'disabled',
        'maxlength', 'cursor-spacing', 'auto-focus', 'focus', 'confirm-type', 'always-embed', 'confirm-hold',
        'cursor', 'selection-start', 'selection-end', 'adjust-position', 'hold-keyboard', 'name'],
      events: ['input', 'focus', 'blur', 'confirm'],
      leaf: true,
      create(el) {
        el.appendChild(document.createElement('input'));
      },
      update(el, vnode, old) {
        const input = el.firstElementChild;
        const a = vnode.attrs;
        const [type, inputMode] = a.password ? ['password', 'text'] : INPUT_TYPES[a.type || 'text'] || ['text', 'text'];
        input.type = type;
        input.inputMode = inputMode;
        input.placeholder = a.placeholder == null ? '' : String(a.placeholder);
        input.disabled = Boolean(a.disabled);
        const max = a.maxlength === undefined ? 140 : Number(a.maxlength);
        if (max >= 0) input.maxLength = max;
        else input.removeAttribute('maxlength');
        if (a['placeholder-style']) input.dataset.placeholderStyle = a['placeholder-style'];
        // Like WeChat, the value is pushed only when the bound data changes, not on every render.
        const value = C.expr.asText(a.value);
        if (!old || C.expr.asText(old.attrs.value) !== value) input.value = value;
        if ((a.focus || a['auto-focus']) && !(old && (old.attrs.focus || old.attrs['auto-focus']))) {
          setTimeout(() => input.focus(), 0);
        }
      },
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
        const src = resolveAppUrl(C.expr.asText(vnode.attrs.src), vnode.file);
        if (img.getAttribute('src') !== src) img.setAttribute('src', src);
      },
    },
  };

  for (const spec of Object.values(components)) {
    spec.attrs = new Set([...COMMON_ATTRS, ...spec.attrs]);
    spec.events = new Set([...COMMON_EVENTS, ...(spec.events || [])]);
  }
  components.block.attrs = new Set(); // only wx:if / wx:for and friends
  components.block.events = new Set();

  C.components = { components, OPEN_TYPES, resolveAppUrl };
})();

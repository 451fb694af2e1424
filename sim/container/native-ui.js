// "Native" UI the host asks for (SSE {type:"ui"}): WeChat's privacy popup, scope popup, modal and
// toast, drawn as <wx-native-popup> / <wx-native-toast> overlays over the phone screen.
(() => {
  'use strict';
  const C = window.simContainer;

  function h(tag, props = {}, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
      if (name === 'class') el.className = value;
      else if (name === 'style') el.style.cssText = value;
      else if (name.startsWith('data-')) el.setAttribute(name, value);
      else el[name] = value;
    }
    for (const child of children) if (child != null) el.append(child);
    return el;
  }

  function phone() {
    return document.getElementById('phone');
  }

  function popup(event, ...body) {
    const el = h('wx-native-popup', { 'data-ui': event.ui, 'data-ui-id': String(event.uiId) }, h('div', { class: 'mask' }), ...body);
    phone().appendChild(el);
    return el;
  }

  function choiceButton(event, choice, label, className, color) {
    const button = h('button', { type: 'button', 'data-choice': choice, class: className }, label);
    if (color) button.style.color = color;
    button.addEventListener('click', () => {
      C.bridge.answerUi(event.uiId, choice);
      close(event.uiId);
    });
    return button;
  }

  function appHeader(titleText) {
    const name = titleText ?? C.runtime.appName();
    return h('div', { class: 'app' }, h('span', { class: 'app-icon' }, (C.runtime.appName() || '小')[0]),
      h('span', { class: titleText ? 'title' : 'app-name' }, name));
  }

  // The contract name shows as a link inside the content, as in WeChat's popup.
  function withContract(content, contractName) {
    const el = h('div', { class: 'content' });
    const link = contractName ? h('span', { class: 'contract' }, contractName) : null;
    if (link && content.includes(contractName)) {
      const at = content.indexOf(contractName);
      el.append(content.slice(0, at), link, content.slice(at + contractName.length));
    } else el.append(content, link || '');
    return el;
  }

  const draw = {
    privacy_popup(event) {
      const [reject, agree] = event.buttons || ['拒绝', '同意'];
      popup(event, h('div', { class: 'sheet' },
        appHeader(),
        h('div', { class: 'title' }, event.title || '用户隐私保护提示'),
        withContract(event.content || '', event.contractName),
        h('div', { class: 'buttons' },
          choiceButton(event, 'reject', reject, 'weak'),
          choiceButton(event, 'agree', agree, 'primary'))));
    },
    scope_popup(event) {
      const [reject, agree] = event.buttons || ['拒绝', '允许'];
      popup(event, h('div', { class: 'sheet' },
        appHeader(event.title || `${C.runtime.appName()} 申请`),
        h('div', { class: 'content' }, event.content || ''),
        event.desc ? h('div', { class: 'desc' }, event.desc) : null,
        h('div', { class: 'buttons' },
          choiceButton(event, 'reject', reject, 'weak'),
          choiceButton(event, 'agree', agree, 'primary'))));
    },
    modal(event) {
      const buttons = h('div', { class: 'buttons' });
      if (event.showCancel !== false) {
        buttons.append(choiceButton(event, 'cancel', event.cancelText || '取消', 'cancel', event.cancelColor));
      }
      buttons.append(choiceButton(event, 'confirm', event.confirmText || '确定', 'confirm', event.confirmColor));
      popup(event, h('div', { class: 'dialog' },
        event.title ? h('div', { class: 'title' }, event.title) : null,
        event.content ? h('div', { class: 'content' }, event.content) : null,
        buttons));
    },
    toast(event) {
      const icon = event.icon || 'success';
      const el = h('wx-native-toast', { 'data-ui-id': String(event.uiId), 'data-icon': icon },
        icon === 'none' ? null : h('div', { class: 'icon' }, { success: '✓', error: '✕', loading: '' }[icon] ?? ''),
        h('div', { class: 'title' }, event.title || ''));
      phone().appendChild(el);
      // duration 0 (showLoading) stays until the host sends ui_close
      const duration = event.duration === undefined ? 1500 : Number(event.duration);
      if (duration > 0) setTimeout(() => el.remove(), duration);
    },
  };

  function show(event) {
    const painter = draw[event.ui];
    if (!painter) {
      C.errors.report(new Error(`native UI "${event.ui}" is not supported by the sim container yet`),
        { during: 'a host ui event' });
      return;
    }
    painter(event);
  }

  function close(uiId) {
    for (const el of document.querySelectorAll(`[data-ui-id="${Number(uiId)}"]`)) {
      if (el.tagName === 'WX-NATIVE-POPUP' || el.tagName === 'WX-NATIVE-TOAST') el.remove();
    }
  }

  C.bridge.eventHandlers.ui = show;
  C.bridge.eventHandlers.ui_close = (event) => close(event.uiId);
  C.nativeUi = { show, close };
})();

// "Native" UI the host asks for (SSE {type:"ui"}): WeChat's privacy popup, scope popup, phone-number and
// user-profile popups, modal, action sheet, subscribe-message dialog, the confirmation before opening
// another mini program, the settings page (openSetting), the privacy guide page and toasts, drawn as
// <wx-native-popup data-ui="..."> / <wx-native-toast> overlays over the phone screen.
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

  function choiceButton(event, choice, label, className, color, values) {
    const button = h('button', { type: 'button', 'data-choice': choice, class: className }, label);
    if (color) button.style.color = color;
    button.addEventListener('click', () => {
      C.bridge.answerUi(event.uiId, choice, values ? values() : undefined);
      close(event.uiId);
    });
    return button;
  }

  /** A native popup asking 拒绝 / 允许 under the app's header (scope, phone number, user profile). */
  function authorizationSheet(event, ...body) {
    const [reject, agree] = event.buttons || ['拒绝', '允许'];
    popup(event, h('div', { class: 'sheet' },
      appHeader(event.title || `${C.runtime.appName()} 申请`),
      h('div', { class: 'content' }, event.content || ''),
      ...body,
      event.desc ? h('div', { class: 'desc' }, event.desc) : null,
      h('div', { class: 'buttons' },
        choiceButton(event, 'reject', reject, 'weak'),
        choiceButton(event, 'agree', agree, 'primary'))));
  }

  // The look of the UIs style.css does not cover (action sheet, settings page, guide page).
  const EXTRA_CSS = `
wx-native-popup .action-sheet { position: absolute; left: 0; right: 0; bottom: 0; background: #f7f7f7;
  border-radius: 12px 12px 0 0; overflow: hidden; }
wx-native-popup .action-sheet .alert { padding: 14px; text-align: center; color: #888; font-size: 13px; background: #fff; }
wx-native-popup .action-sheet button { display: block; width: 100%; padding: 15px; border: 0; border-top: 1px solid #eee;
  background: #fff; font-size: 17px; }
wx-native-popup .action-sheet button[data-choice="cancel"] { margin-top: 8px; border-top: 0; }
wx-native-popup .page { position: absolute; inset: 0; background: #ededed; display: flex; flex-direction: column; }
wx-native-popup .page .bar { display: flex; align-items: center; height: 44px; background: #ededed; font-size: 17px; }
wx-native-popup .page .bar button { border: 0; background: none; font-size: 17px; padding: 0 14px; }
wx-native-popup .page .caption { padding: 16px 16px 6px; color: #888; font-size: 13px; }
wx-native-popup .page .row { display: flex; justify-content: space-between; align-items: center; padding: 14px 16px;
  background: #fff; border-bottom: 1px solid #eee; font-size: 16px; }
wx-native-popup .page .body { padding: 16px; background: #fff; font-size: 15px; line-height: 1.6; }
wx-native-popup .sheet .phone { font-size: 20px; text-align: center; padding: 10px 0; }
wx-native-popup .sheet .items { color: #555; font-size: 14px; padding: 4px 0; }`;

  function addExtraStyle() {
    if (document.getElementById('native-ui-extra')) return;
    document.head.appendChild(h('style', { id: 'native-ui-extra' }, EXTRA_CSS));
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
      authorizationSheet(event);
      document.querySelector(`wx-native-popup[data-ui-id="${event.uiId}"]`).dataset.scope = event.scope || '';
    },
    phone_popup(event) {
      authorizationSheet(event, h('div', { class: 'phone' }, event.phone || ''));
    },
    user_profile(event) {
      authorizationSheet(event);
    },
    subscribe(event) {
      const [reject, agree] = event.buttons || ['取消', '允许'];
      popup(event, h('div', { class: 'sheet' },
        appHeader(event.title || `${C.runtime.appName()} 申请`),
        h('div', { class: 'content' }, event.content || ''),
        h('div', { class: 'items' }, (event.items || []).join('、')),
        h('div', { class: 'buttons' },
          choiceButton(event, 'reject', reject, 'weak'),
          choiceButton(event, 'agree', agree, 'primary'))));
    },
    navigate_confirm(event) {
      draw.modal(event);
    },
    action_sheet(event) {
      addExtraStyle();
      popup(event, h('div', { class: 'action-sheet' },
        event.title ? h('div', { class: 'alert title' }, event.title) : null,
        ...(event.items || []).map((item, index) => choiceButton(event, String(index), item, 'item')),
        choiceButton(event, 'cancel', event.cancelText || '取消', 'cancel')));
    },
    settings(event) {
      addExtraStyle();
      const switches = (event.items || []).map((item) => {
        const input = h('input', { type: 'checkbox', checked: Boolean(item.granted), 'data-scope': item.scope });
        input.setAttribute('role', 'switch');
        input.setAttribute('aria-label', item.label);
        return [item, input];
      });
      const values = () => Object.fromEntries(switches.map(([item, input]) => [item.scope, input.checked]));
      popup(event, h('div', { class: 'page' },
        h('div', { class: 'bar' }, choiceButton(event, 'back', '返回', 'back', null, values),
          h('span', { class: 'title' }, event.title || '设置')),
        h('div', { class: 'caption' }, event.caption || ''),
        ...switches.map(([item, input]) => h('label', { class: 'row' }, h('span', {}, item.label), input))));
    },
    privacy_contract(event) {
      addExtraStyle();
      popup(event, h('div', { class: 'page' },
        h('div', { class: 'bar' }, choiceButton(event, 'back', '返回', 'back'),
          h('span', { class: 'title' }, event.title || '')),
        h('div', { class: 'body content' }, event.content || '')));
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

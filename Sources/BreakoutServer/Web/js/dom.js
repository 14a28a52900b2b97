// Small DOM helpers: build elements, update them only when something changed, keep keyed lists
// in place (so focus, open selects and scroll positions survive live updates), and show toasts.

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'checked' || key === 'disabled' || key === 'value' || key === 'selected') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export function setText(el, text) {
  text = String(text ?? '');
  if (el.textContent !== text) el.textContent = text;
}

export function setHidden(el, hidden) {
  if (el.hidden !== !!hidden) el.hidden = !!hidden;
}

export function setDisabled(el, disabled) {
  if (el.disabled !== !!disabled) el.disabled = !!disabled;
}

export function setClass(el, name, on) {
  if (el.classList.contains(name) !== !!on) el.classList.toggle(name, !!on);
}

/** Replaces a <select>'s options only when they differ, then selects `value`. */
export function setOptions(select, options, value) {
  const signature = options.map((o) => o.value + '\u0000' + o.label).join('\u0001');
  if (select._signature !== signature) {
    select.replaceChildren(...options.map((o) => h('option', { value: o.value }, o.label)));
    select._signature = signature;
  }
  if (select.value !== value) select.value = value;
}

/**
 * Makes `container`'s children the elements of `items`, in order, reusing the element of each key:
 * `create(item)` makes a new one, `update(element, item)` brings one up to date.
 */
export function syncChildren(container, items, keyOf, create, update) {
  const previous = container._keyed || new Map();
  const next = new Map();
  let cursor = container.firstChild;
  for (const item of items) {
    const key = keyOf(item);
    let el = previous.get(key);
    if (!el) el = create(item);
    update(el, item);
    next.set(key, el);
    if (el === cursor) cursor = cursor.nextSibling;
    else container.insertBefore(el, cursor);
  }
  for (const [key, el] of previous) if (!next.has(key)) el.remove();
  container._keyed = next;
}

/** mm:ss (or h:mm:ss) until `endsAt` (ms), never negative. */
export function formatRemaining(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Characters as people (and the server, which counts Swift Characters) count them: an emoji is one. */
export function characterCount(text) {
  if (typeof Intl !== 'undefined' && Intl.Segmenter) {
    let count = 0;
    for (const _ of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) count++;
    return count;
  }
  return [...text].length;
}

// Toasts: one polite live region; errors stay until dismissed or replaced.
let toastRegion;
export function toast(message, { kind = 'info', details = [], timeout } = {}) {
  if (!toastRegion) {
    toastRegion = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite', 'data-testid': 'toasts' });
    document.body.append(toastRegion);
  }
  const close = h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss' }, '×');
  const item = h('div', { class: `toast toast-${kind}`, 'data-testid': `toast-${kind}` },
    h('div', { class: 'toast-body' },
      h('p', { class: 'toast-message' }, message),
      details.length ? h('ul', { class: 'toast-details' }, details.slice(0, 12).map((d) => h('li', {}, d)),
        details.length > 12 ? h('li', {}, `… and ${details.length - 12} more`) : null) : null),
    close);
  close.addEventListener('click', () => item.remove());
  toastRegion.append(item);
  while (toastRegion.children.length > 4) toastRegion.firstChild.remove();
  const ms = timeout ?? (kind === 'error' ? 10000 : 3500);
  setTimeout(() => item.remove(), ms);
  return item;
}

/**
 * The banners on top of the console and of the participant's view (a broadcast, time up, a help
 * request): the newest first, the last three kept, each dismissible.
 */
export function noticeBoard() {
  const el = h('div', { class: 'notices', 'data-testid': 'notices', 'aria-live': 'polite' });
  function add(text, kind, testid) {
    const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss' }, '×');
    const item = h('div', { class: `banner banner-${kind}`, 'data-testid': testid }, h('p', {}, text), close);
    close.addEventListener('click', () => item.remove());
    el.prepend(item);
    while (el.children.length > 3) el.lastChild.remove();
  }
  return { el, add };
}

/** A button that asks "are you sure?" in place: the first click arms it, the second acts. */
export function confirmButton(label, confirmLabel, action, props = {}) {
  const button = h('button', { type: 'button', ...props }, label);
  let armed = null;
  button.addEventListener('click', async () => {
    if (!armed) {
      button.textContent = confirmLabel;
      button.classList.add('armed');
      armed = setTimeout(() => { armed = null; button.textContent = label; button.classList.remove('armed'); }, 5000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    button.textContent = label;
    button.classList.remove('armed');
    await action();
  });
  return button;
}

// The API key: asked for in a dialog, kept in sessionStorage (this tab only, gone when it closes), never in the page's address.

const storageName = 'agentmem.apiKey';
let pending = null;

/** The key this tab uses, or null before one is entered (a service without keys needs none). */
export function currentKey() {
  return sessionStorage.getItem(storageName);
}

/** Forgets the key, e.g. after the service refused it. */
export function forgetKey() {
  sessionStorage.removeItem(storageName);
}

/** Shows the key dialog with `message`; resolves with the entered key. Calls made while it is open share one prompt. */
export function askForKey(message) {
  if (pending) return pending;
  const dialog = document.getElementById('key-dialog');
  const form = document.getElementById('key-form');
  const input = document.getElementById('key-input');
  document.getElementById('key-message').textContent = message;
  input.value = '';
  pending = new Promise(resolve => {
    const submitted = event => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) return;
      sessionStorage.setItem(storageName, key);
      form.removeEventListener('submit', submitted);
      dialog.removeEventListener('cancel', refuseCancel);
      dialog.close();
      pending = null;
      resolve(key);
    };
    form.addEventListener('submit', submitted);
    dialog.addEventListener('cancel', refuseCancel);
  });
  dialog.showModal();
  input.focus();
  return pending;
}

// Escape would leave the page waiting on a key that never comes.
function refuseCancel(event) {
  event.preventDefault();
}

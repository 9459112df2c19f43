// The user the page acts as: kept in sessionStorage (this tab only, as the key), sent on every call (api.js). A key bound to
// a user acts as that user anyway; a key that is not (the tenant's, a gateway's) or a service without keys acts as the
// user a call names, and as none (the whole tenant's owner scope) without one, which cannot read the cubes users own.

const storageName = 'agentmem.user';

/** The user this tab acts as, or null for none. */
export function currentUser() {
  return sessionStorage.getItem(storageName);
}

/** Acts as `user` from now on; blank acts as none. */
export function setUser(user) {
  const name = (user ?? '').trim();
  if (name) sessionStorage.setItem(storageName, name);
  else sessionStorage.removeItem(storageName);
}

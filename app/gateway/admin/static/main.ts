import { ApiError, csrf, signIn, signOut } from "./api.js";
import { createAuditView } from "./audit-view.js";
import { byId, clearMessage, showMessage } from "./dom.js";
import { createHealthView } from "./health-view.js";
import { createKeysView } from "./keys-view.js";

const signInPanel = byId("sign-in");
const consolePanel = byId("console");
const signOutButton = byId<HTMLButtonElement>("sign-out");

function showSignIn(reason?: string): void {
  csrf.clear();
  consolePanel.hidden = true;
  signOutButton.hidden = true;
  signInPanel.hidden = false;
  if (reason) showMessage(reason);
  byId("admin-key").focus();
}

/** Runs one page action: API errors become a readable message; a lost session shows sign-in. */
async function run(action: () => Promise<void>, success?: string): Promise<void> {
  try {
    await action();
    if (success) showMessage(success, "info");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return showSignIn(`${err.message}`);
    showMessage(err instanceof Error ? err.message : String(err));
  }
}

const health = createHealthView();
const audit = createAuditView(run);
const refreshAll = async () => {
  await Promise.all([health.load(), keys.load(), audit.load()]);
};
const keys = createKeysView({ run, changed: refreshAll });

async function showConsole(): Promise<void> {
  signInPanel.hidden = true;
  consolePanel.hidden = false;
  signOutButton.hidden = false;
  await refreshAll();
}

byId<HTMLFormElement>("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>("admin-key");
  void run(async () => {
    await signIn(input.value);
    input.value = "";
    clearMessage();
    await showConsole();
  });
});

signOutButton.addEventListener("click", () => {
  void run(async () => {
    await signOut();
    showSignIn();
    showMessage("Signed out", "info");
  });
});

byId("refresh").addEventListener("click", () => void run(refreshAll));

// A reload in a signed-in tab keeps its CSRF token; the first API call tells whether the
// session behind it is still alive.
if (csrf.get()) void run(showConsole);
else showSignIn();

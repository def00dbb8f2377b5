import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { listen } from "@wagate/core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type Stack, startStack } from "../../api/test/flow/stack.js";
import { seedAdmin, useTestApp } from "../../api/test/harness.js";
import {
  buildConsoleIfStale,
  CHROMIUM,
  decodeQrImage,
  hasChromium,
  launchChromium,
  seriousA11yViolations,
} from "./browser.js";

if (!hasChromium) {
  console.warn(`console browser tests skipped: ${CHROMIUM} is absent (.ci/run installs it)`);
}

const WAIT = { timeout: 30_000 };
/** A whole browser flow on a shared, busy machine. */
const FLOW_TIMEOUT = 240_000;
// biome-ignore lint/correctness/useHookAtTopLevel: a vitest fixture named use*, not a React hook
const t = useTestApp();

describe.skipIf(!hasChromium)("the console in a real browser against the real stack", () => {
  let stack: Stack;
  let server: Server;
  let browser: Browser;
  let base: string;
  const visited = new Map<string, string[]>();

  beforeAll(async () => {
    buildConsoleIfStale();
    // The simulator shows its QR for 25 s before linking: time to see and decode it.
    // Long enough that a loaded machine still shows the QR page (and its audit) before the link.
    stack = await startStack(t, { linkDelayMs: 60_000 });
    server = await listen(t.app, 0, "127.0.0.1");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/console`;
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await adminPage?.close();
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await stack?.stop();
  });

  /** Records axe's serious/critical findings for the page as it is now. */
  const audit = async (page: Page, name: string) => {
    await page.getByRole("heading", { level: 1 }).first().waitFor(WAIT);
    visited.set(name, await seriousA11yViolations(page));
    // CONSOLE_SCREENSHOTS=<dir>: keep a phone-width and a desktop-width picture of each page.
    const dir = process.env.CONSOLE_SCREENSHOTS;
    if (dir) {
      const viewport = page.viewportSize();
      for (const width of [375, 1440]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({
          path: `${dir}/${name.replace(/\W+/g, "-")}-${width}.png`,
          fullPage: true,
        });
      }
      if (viewport) await page.setViewportSize(viewport);
    }
  };

  /** Sum of a worker metric's samples (of `sample`, for a histogram's `_count`). */
  const metricSum = async (name: string, sample = name) => {
    const metric = await stack.registry.getSingleMetric(name)?.get();
    return (metric?.values ?? [])
      .filter((v) => ((v as { metricName?: string }).metricName ?? name) === sample)
      .reduce((n, v) => n + v.value, 0);
  };

  const signInAdmin = async (page: Page, email: string, password: string) => {
    await page.goto(`${base}/`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
  };

  let rawKey = "";
  let adminPage: Page;

  it(
    "shows a bad password as an error with its request id",
    async () => {
      const admin = await seedAdmin(t, "owner");
      const page = await browser.newPage();
      await signInAdmin(page, admin.email, "not-the-password");
      const alert = page.getByRole("alert");
      await expect(alert.waitFor(WAIT)).resolves.toBeUndefined();
      expect(await alert.textContent()).toMatch(/request id req_/);
      expect(await alert.textContent()).toMatch(/unauthorized/);
      await audit(page, "sign-in (error)");
      await page.close();
    },
    FLOW_TIMEOUT,
  );

  it(
    "lets an admin create an account and a test key shown once",
    async () => {
      const admin = await seedAdmin(t, "owner");
      const page = await browser.newPage();
      adminPage = page;
      await signInAdmin(page, admin.email, admin.password);
      await page.getByRole("heading", { name: "Overview" }).waitFor(WAIT);
      await audit(page, "overview");

      await page.getByRole("link", { name: "Accounts" }).click();
      await page.getByText("New account").click();
      await page.getByLabel("Name").fill("Corner Bakery");
      await page.getByLabel("Email").fill(`bakery-${Date.now()}@example.test`);
      await page.getByLabel("Phone").fill("+213661234567");
      await page.getByLabel("Daily quota").fill("500");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { name: "Corner Bakery" }).waitFor(WAIT);
      await audit(page, "account");

      // Pacing overrides are edited beside the quota; empty fields keep the defaults.
      await page.getByText("Edit account").click();
      const edit = page.getByRole("form", { name: "Edit account" });
      await edit.getByLabel("Sends per minute").fill("12");
      await edit.getByLabel("Burst").fill("3");
      await edit.getByRole("button", { name: "Save" }).click();
      await edit.getByRole("status").getByText("Saved.").waitFor(WAIT);
      await page.reload();
      await page.getByRole("heading", { name: "Corner Bakery" }).waitFor(WAIT);
      await page.getByText("Edit account").click();
      expect(await edit.getByLabel("Sends per minute").inputValue()).toBe("12");
      expect(await edit.getByLabel("Burst").inputValue()).toBe("3");
      expect(await edit.getByLabel("Jitter (ms)").inputValue()).toBe("");
      await page.getByText("Edit account").click();

      await page.getByLabel("Mode").selectOption("test");
      await page.getByRole("button", { name: "Create key" }).click();
      const secret = page.locator(".secret");
      await secret.waitFor(WAIT);
      expect(await secret.textContent()).toContain("you will not see it again");
      rawKey = (await page.locator(".secret-value").textContent()) ?? "";
      expect(rawKey).toMatch(/^wag_test_/);
      // Shown once: after a reload the page lists the key by its prefix only.
      await page.reload();
      await page.getByRole("heading", { name: "Corner Bakery" }).waitFor(WAIT);
      await page
        .getByRole("cell", { name: rawKey.slice(0, 12), exact: false })
        .first()
        .waitFor(WAIT);
      expect(await page.content()).not.toContain(rawKey);

      for (const [link, name] of [
        ["Accounts", "accounts"],
        ["API keys", "api keys"],
        ["Sessions", "sessions"],
        ["Messages", "messages"],
        ["Analytics", "analytics"],
        ["Admins", "admins"],
        ["Recipient policy", "prefixes"],
      ] as const) {
        await page.getByRole("link", { name: link, exact: true }).click();
        await audit(page, name);
      }
    },
    FLOW_TIMEOUT,
  );

  it(
    "hands the business a pairing link that shows the QR, then Linked, without a sign-in",
    async () => {
      const page = adminPage;
      await page.getByRole("link", { name: "Accounts" }).click();
      await page.getByRole("link", { name: "Corner Bakery" }).first().click();
      await page.getByRole("heading", { name: "Corner Bakery" }).waitFor(WAIT);
      await page.getByRole("button", { name: "Pairing link" }).first().click();
      const link = page.locator(".secret-value");
      await link.waitFor(WAIT);
      const url = (await link.textContent()) ?? "";
      expect(url).toMatch(/\/console\/pair\/[^/]+$/);
      expect(url).not.toContain(rawKey);

      const visitor = await browser.newContext();
      const pairing = await visitor.newPage();
      await pairing.goto(url);
      const qr = pairing.getByRole("img", { name: "WhatsApp QR code" });
      await qr.waitFor(WAIT);
      expect(await eventually(() => decodeQrImage(qr), "a decodable QR image", 20_000)).toMatch(
        /^sim:/,
      );
      await audit(pairing, "pairing");
      // Or link by phone number: the page asks the session's worker for a code.
      await pairing.getByText("Cannot scan? Use a pairing code").click();
      await pairing.getByLabel("Phone").fill("+213 661 23 45 67");
      await pairing.getByRole("button", { name: "Get pairing code" }).click();
      const code = pairing.getByRole("status").filter({ hasText: "Type this code" });
      await code.waitFor(WAIT);
      expect(await code.locator("code").textContent()).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
      await pairing.getByRole("heading", { name: "Linked" }).waitFor({ timeout: 150_000 });
      expect(await pairing.content()).not.toContain("wag_");
      await visitor.close();
      await page.getByRole("cell").getByText("ready", { exact: true }).first().waitFor(WAIT);
    },
    FLOW_TIMEOUT,
  );

  it(
    "lets the business send a message and watch it reach read while the events page shows it live",
    async () => {
      expect(rawKey).not.toBe("");
      await adminPage.getByRole("link", { name: "Events" }).click();
      await adminPage.getByText("Live: new events appear at the top.").waitFor(WAIT);
      await audit(adminPage, "events");

      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/`);
      await page.getByRole("tab", { name: "Business (API key)" }).click();
      await page.getByLabel("API key").fill(rawKey);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor(WAIT);
      // The key is in session storage only: not in the URL, not in a cookie.
      expect(page.url()).not.toContain(rawKey);
      expect(await context.cookies()).toEqual([]);
      await audit(page, "business overview");

      await page.getByRole("link", { name: "Sessions" }).click();
      await page
        .getByRole("article", { name: "Session default" })
        .getByText("ready", { exact: true })
        .waitFor(WAIT);
      await audit(page, "business sessions");

      await page.getByRole("link", { name: "Overview" }).click();
      await page.getByLabel("To").fill("+213661234567");
      await page.getByLabel("Text").fill("Your bread is ready");
      await page.getByRole("button", { name: "Send" }).click();
      const accepted = page.getByRole("status").getByRole("link");
      await accepted.waitFor(WAIT);
      const messageId = (await accepted.textContent()) ?? "";
      const row = page.getByRole("row").filter({ hasText: messageId });
      await row.getByText("read", { exact: true }).waitFor({ timeout: 60_000 });

      await accepted.click();
      await page.getByRole("heading", { name: `Message ${messageId}` }).waitFor(WAIT);
      const timeline = page.getByRole("list", { name: "Status timeline" });
      for (const step of ["queued", "sent", "delivered", "read"]) {
        await timeline.getByText(step, { exact: true }).waitFor(WAIT);
      }
      await audit(page, "message");
      for (const [link, name] of [
        ["Messages", "business messages"],
        ["Webhooks", "webhooks"],
      ] as const) {
        await page.getByRole("link", { name: link, exact: true }).click();
        await audit(page, name);
      }
      await context.close();

      // The admin's events page got the message's status changes as they happened.
      const live = adminPage.getByRole("list", { name: "Live events" });
      await live.getByText(messageId).first().waitFor(WAIT);
      expect(await live.getByText(/"status":"read"/).count()).toBeGreaterThan(0);

      await adminPage.goto(`${base}/messages/${messageId}`);
      const adminTimeline = adminPage.getByRole("list", { name: "Status timeline" });
      for (const step of ["queued", "sent", "delivered", "read"]) {
        await adminTimeline.getByText(step, { exact: true }).waitFor(WAIT);
      }
      await adminPage.getByRole("heading", { name: "Webhook deliveries" }).waitFor(WAIT);
      await audit(adminPage, "admin message");
    },
    FLOW_TIMEOUT,
  );

  it(
    "lets the business start a broadcast from CSV, see the refused row, watch it complete, and keep an opt-out list",
    async () => {
      expect(rawKey).not.toBe("");
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/`);
      await page.getByRole("tab", { name: "Business (API key)" }).click();
      await page.getByLabel("API key").fill(rawKey);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor(WAIT);

      await page.getByRole("link", { name: "Broadcasts", exact: true }).click();
      await page.getByRole("heading", { name: "Broadcasts" }).waitFor(WAIT);
      const form = page.getByRole("form", { name: "New broadcast" });
      await form.getByLabel("Broadcast name").fill("Weekend offer");
      await form.getByLabel("Message text").fill("Hello {{name}}, fresh bread on Saturday");
      await form
        .getByLabel("Recipients (CSV)")
        .fill(
          '\uFEFFto,name\r\n+213661230001,Amina\r\n"+213 661 23 00 02","Karim, Jr"\r\nnot-a-number,Lina\r\n+213661230003,Sami\r\n',
        );
      // The preview renders the first rows here, before anything is sent.
      const preview = form.getByRole("region", { name: "Preview" });
      await preview.getByText("Hello Karim, Jr, fresh bread on Saturday").waitFor(WAIT);
      await audit(page, "business broadcasts (preview)");
      // 30 a minute: the broadcast runs a few seconds, long enough to be watched.
      await form.getByLabel("Rate (sends per minute)").fill("30");
      await form.getByRole("button", { name: "Start broadcast" }).click();

      const accepted = page.getByRole("status", { name: "Broadcast accepted" });
      await accepted.waitFor(WAIT);
      expect(await accepted.textContent()).toContain("3 of 4 recipients, 1 refused");
      const refused = accepted.getByRole("table", { name: "Refused rows" });
      await refused.getByRole("cell", { name: "not-a-number" }).waitFor(WAIT);
      expect(await refused.getByRole("row").count()).toBe(2);

      // The worker's gauge counts the running broadcast's messages by status.
      await eventually(
        async () => (await metricSum("wagate_broadcast_messages")) >= 3,
        "wagate_broadcast_messages to count the broadcast",
        60_000,
      );
      await accepted.getByRole("link", { name: "Weekend offer" }).click();
      await page.getByRole("heading", { name: "Broadcast Weekend offer" }).waitFor(WAIT);
      // The detail page polls while the broadcast runs until the worker completes it.
      await page
        .locator("p")
        .filter({ hasText: "session default" })
        .getByText("completed", { exact: true })
        .waitFor({ timeout: 120_000 });
      await page.getByText("100% finished").waitFor(WAIT);
      await page.getByRole("cell", { name: "+213661230003" }).waitFor(WAIT);
      expect(await page.getByRole("button", { name: "Pause" }).count()).toBe(0);
      await audit(page, "business broadcast");
      // Every send waited on the session's pacer once: the single send earlier and these 3.
      expect(
        await metricSum("wagate_pacing_wait_seconds", "wagate_pacing_wait_seconds_count"),
      ).toBeGreaterThanOrEqual(4);

      await page.getByRole("link", { name: "Opt-outs", exact: true }).click();
      await page.getByRole("heading", { name: "Opt-outs" }).waitFor(WAIT);
      const optOut = page.getByRole("form", { name: "Add an opt-out" });
      await optOut.getByLabel("Phone").fill("+213 661 23 00 09");
      await optOut.getByLabel("Reason").fill("asked by phone");
      await optOut.getByRole("button", { name: "Add opt-out" }).click();
      const row = page.getByRole("row").filter({ hasText: "+213661230009" });
      await row.getByText("asked by phone").waitFor(WAIT);
      expect(await row.getByText("api", { exact: true }).count()).toBe(1);
      await audit(page, "business opt-outs");

      await page.getByRole("link", { name: "Consent", exact: true }).click();
      await page.getByRole("heading", { name: "Consent" }).waitFor(WAIT);
      const consent = page.getByRole("form", { name: "Consent keywords" });
      const optOutWords = consent.getByLabel("Opt-out keywords");
      await eventually(
        async () => (await optOutWords.inputValue()).includes("STOP"),
        "the default keywords",
      );
      await optOutWords.fill("STOP, Basta");
      await consent.getByLabel("Opt-out confirmation").fill("You will get nothing more from us.");
      await consent.getByRole("button", { name: "Save" }).click();
      await consent.getByRole("status").getByText("Saved.").waitFor(WAIT);
      await audit(page, "business consent");
      const stored = await t.app.request("/api/v1/account/consent", {
        headers: { authorization: `ApiKey ${rawKey}` },
      });
      expect(await stored.json()).toMatchObject({
        opt_out_keywords: ["STOP", "Basta"],
        opt_out_reply: "You will get nothing more from us.",
        opt_in_reply: null,
      });
      await context.close();
    },
    FLOW_TIMEOUT,
  );

  it(
    "shows a viewer every page but no control that writes",
    async () => {
      const viewer = await seedAdmin(t, "viewer");
      const page = await browser.newPage();
      await signInAdmin(page, viewer.email, viewer.password);
      await page.getByRole("heading", { name: "Overview" }).waitFor(WAIT);
      await page.getByRole("link", { name: "Accounts" }).click();
      await page.getByRole("link", { name: "Corner Bakery" }).first().click();
      await page.getByRole("heading", { name: "Corner Bakery" }).waitFor(WAIT);
      const checks: [string, string][] = [
        ["Accounts", "New account"],
        ["API keys", "New API key"],
        ["Admins", "New admin"],
        ["Recipient policy", "Add prefix"],
      ];
      expect(
        await page.getByRole("button", { name: /Deactivate|Delete account|Create key/ }).count(),
      ).toBe(0);
      for (const [link, control] of checks) {
        await page.getByRole("link", { name: link, exact: true }).click();
        await page.getByRole("heading", { level: 1 }).waitFor(WAIT);
        expect(await page.getByText(control).count(), `${link}: ${control}`).toBe(0);
        expect(await page.getByRole("button", { name: /Revoke|Delete|Unlock/ }).count()).toBe(0);
      }
      await page.close();
    },
    FLOW_TIMEOUT,
  );

  it("has no serious or critical accessibility violation on any page", () => {
    expect(visited.size).toBeGreaterThan(8);
    const found = [...visited].flatMap(([page, list]) => list.map((v) => `${page}: ${v}`));
    expect(found).toEqual([]);
  });
});

/**
 * How the Core becomes reachable from outside. Chosen once at start-up from TUNNEL; the rest
 * of the Core only sees this interface.
 */
export interface TunnelProvider {
  readonly kind: "none" | "ngrok";
  /** Makes `localUrl` reachable and returns the public URL. */
  start(localUrl: string): Promise<string>;
  /** Called whenever the public URL changes after start (e.g. an ngrok session reconnects elsewhere). */
  onUrlChange(listener: (url: string) => void): void;
  close(): Promise<void>;
}

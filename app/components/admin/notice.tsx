// The outcome of an admin action, announced to screen readers (role=status, polite) and shown above the
// content it concerns. "error" notices use role=alert.
import type { ReactNode } from "react";

export function Notice({ tone, children }: { tone: "ok" | "error"; children: ReactNode }) {
  return (
    <p className={`notice notice-${tone}`} role={tone === "error" ? "alert" : "status"}>
      {children}
    </p>
  );
}

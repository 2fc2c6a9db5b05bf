// A table that scrolls sideways on narrow screens instead of squeezing its columns. The scrolling box is
// a focusable, labelled region so keyboard users can scroll it too (WCAG 2.1.1 / 1.4.10).
import type { ReactNode } from "react";

export function ScrollTable({ id, caption, captionHidden, children, className }: { id: string; caption: ReactNode; captionHidden?: boolean; children: ReactNode; className?: string }) {
  const captionId = `${id}-caption`;
  return (
    <div className="table-scroll" role="region" aria-labelledby={captionId} tabIndex={0}>
      <table id={id} className={className}>
        <caption id={captionId} className={captionHidden ? "visually-hidden" : undefined}>
          {caption}
        </caption>
        {children}
      </table>
    </div>
  );
}

const STEPS = ["Pick a time", "Your details and payment", "Confirmation"] as const;

/** The three steps of booking, with the current one announced to screen readers. */
export function BookingSteps({ current }: { current: 1 | 2 | 3 }) {
  return (
    <ol className="steps" aria-label="Booking steps">
      {STEPS.map((label, index) => (
        <li key={label} className={index + 1 === current ? "current" : index + 1 < current ? "done" : undefined} aria-current={index + 1 === current ? "step" : undefined}>
          <span className="step-number">{index + 1}</span> {label}
        </li>
      ))}
    </ol>
  );
}

// The admin pages' tables, from typed columns. Each column header gets scope="col" and the column that
// names the row renders <th scope="row">, so screen readers announce a cell with both of its headers.
import type { ReactNode } from "react";
import { ScrollTable } from "./scroll-table";

/** The row fields that React can render as they are. */
type RenderableKey<Row> = { [K in keyof Row]-?: Row[K] extends ReactNode ? K : never }[keyof Row];

export interface Column<Row> {
  header: ReactNode;
  /** A row field shown as it is, or what to render for a row. */
  cell: RenderableKey<Row> | ((row: Row) => ReactNode);
  /** Right-aligned tabular figures (`.num`), on the header and on every cell. */
  numeric?: boolean;
  /** This column names the row: its cells are row headers. */
  rowHeader?: boolean;
  /** A class for the body cells only, e.g. "error". */
  cellClassName?: string;
}

function classes(...names: Array<string | false | undefined>): string | undefined {
  return names.filter(Boolean).join(" ") || undefined;
}

export function DataTable<Row>({
  id,
  caption,
  columns,
  rows,
  rowKey,
  rowTestId,
  empty,
  foot,
}: {
  id: string;
  caption: ReactNode;
  columns: ReadonlyArray<Column<Row>>;
  rows: readonly Row[];
  rowKey: (row: Row) => string | number;
  /** data-testid on every body row, for the end-to-end tests. */
  rowTestId?: string;
  /** Shown, muted, in place of a table with no rows; without it such a table is left out. */
  empty?: ReactNode;
  /** Rows for a <tfoot>, e.g. totals. */
  foot?: ReactNode;
}) {
  if (rows.length === 0) return empty === undefined ? null : <p className="muted">{empty}</p>;
  return (
    <ScrollTable id={id} caption={caption}>
      <thead>
        <tr>
          {columns.map((column, i) => (
            <th key={i} scope="col" className={classes(column.numeric && "num")}>
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} data-testid={rowTestId}>
            {columns.map((column, i) => {
              const content = typeof column.cell === "function" ? column.cell(row) : (row[column.cell] as ReactNode);
              const className = classes(column.numeric && "num", column.cellClassName);
              return column.rowHeader ? (
                <th key={i} scope="row" className={className}>
                  {content}
                </th>
              ) : (
                <td key={i} className={className}>
                  {content}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
      {foot ? <tfoot>{foot}</tfoot> : null}
    </ScrollTable>
  );
}

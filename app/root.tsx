import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, Links, Meta, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useRouteError, useRouteLoaderData } from "@remix-run/react";
import { RememberBrowserZone } from "./components/remember-browser-zone";
import { FocusHeadingOnNavigation } from "./components/focus-heading-on-navigation";
import { SiteNav } from "./components/site-nav";
import stylesHref from "./styles/app.css?url";
import { getUser } from "./utils/auth.server";
import { getCsrfToken } from "./utils/csrf.server";
import { useNonce } from "./utils/nonce";
import type { RootData } from "./root-data";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesHref },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Edge Booking" }];

/** The session user (from the signed cookie) for the nav, and the CSRF token every form submits. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const [user, csrf] = await Promise.all([getUser(request, context), getCsrfToken(request, context)]);
  return data<RootData>(
    { user: user ? { name: user.name, role: user.role } : null, csrf: csrf.token },
    // A guest's first page sets the double-submit CSRF cookie, so forms on any page work.
    csrf.setCookie ? { headers: { "Set-Cookie": csrf.setCookie } } : undefined,
  );
}

export function Layout({ children }: { children: React.ReactNode }) {
  // Undefined when the root loader failed (error page): the nav then shows the guest links.
  const rootData = useRouteLoaderData<RootData>("root");
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <RememberBrowserZone nonce={nonce} />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <Link to="/" className="brand">
            Edge Booking
          </Link>
          <SiteNav user={rootData?.user ?? null} />
        </header>
        <main id="main">{children}</main>
        <FocusHeadingOnNavigation />
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const title = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : "Something went wrong";
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" ? error.data : null;
  return (
    <section className="panel" role="alert">
      <h1>{title}</h1>
      {detail ? <p>{detail}</p> : null}
      <p>
        <Link to="/">Back to the home page</Link>
      </p>
    </section>
  );
}

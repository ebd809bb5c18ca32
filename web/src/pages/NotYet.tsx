export function NotYet({ title }: { title: string }) {
  return (
    <section>
      <h2>{title}</h2>
      <p className="empty">
        Not available yet: this page of the console is still being built. The API has its data already (see
        /docs).
      </p>
    </section>
  );
}

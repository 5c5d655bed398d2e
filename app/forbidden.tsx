export default function Forbidden() {
  return (
    <main className="mx-auto mt-16 max-w-md rounded-lg bg-white p-6 shadow">
      <h1 className="text-xl font-semibold">This visit cannot be opened here</h1>
      <p className="mt-2 text-slate-700">
        Video visits open only from their link in MyChart or Epic. Please go back and open your visit again from there.
      </p>
    </main>
  );
}

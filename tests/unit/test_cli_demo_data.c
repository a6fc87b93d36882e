//  Parsing and checking the demo catalogue CSV files: every bad line is
//  reported as file:line with what is wrong, and the shipped files parse.
#include "demo_data.h"
#include "err.h"
#include "harness.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static char s_err[512];

//  Parses prices text; returns the code and leaves the message in s_err.
static int
s_prices (demo_data_t *data, const char *text)
{
    s_err[0] = '\0';
    return demo_data_parse_prices (data, "prices.csv", text, s_err, sizeof s_err);
}

static int
s_stock (demo_data_t *data, const char *text)
{
    s_err[0] = '\0';
    return demo_data_parse_stock (data, "stock.csv", text, s_err, sizeof s_err);
}

#define CHECK_ERR(expr, prefix, words)                                      \
    do {                                                                    \
        CHECK_EQ_INT ((expr), RM_EINVAL);                                   \
        CHECK (strncmp (s_err, prefix, strlen (prefix)) == 0);              \
        CHECK (strstr (s_err, words) != NULL);                              \
        if (strncmp (s_err, prefix, strlen (prefix)) != 0 || !strstr (s_err, words)) \
            fprintf (stderr, "  message was: %s\n", s_err);                 \
    } while (0)

static void
test_good_prices (void)
{
    demo_data_t *data = NULL;
    CHECK_EQ_INT (demo_data_new (&data), 0);
    const char *text = "\xEF\xBB\xBF# comment\r\n"
                       "currency,sku,unit_price\r\n"
                       "\r\n"
                       "USD,SKU-TSHIRT-BLK-M,1999\r\n"
                       " EUR , SKU-TSHIRT-BLK-M , 1895 \n"
                       "JPY,SKU-MUG,1200";
    CHECK_EQ_INT (s_prices (data, text), 0);
    CHECK_EQ_INT (data->nprices, 3);
    if (data->nprices == 3) {
        CHECK_STR (data->prices[0].currency, "USD");
        CHECK_STR (data->prices[0].sku, "SKU-TSHIRT-BLK-M");
        CHECK_EQ_INT (data->prices[0].unit_price, 1999);
        CHECK_EQ_INT (data->prices[0].line, 4);
        CHECK_STR (data->prices[1].currency, "EUR");
        CHECK_EQ_INT (data->prices[1].unit_price, 1895);
        CHECK_EQ_INT (data->prices[2].line, 6);
    }
    demo_data_destroy (&data);
    CHECK (data == NULL);
}

static void
test_bad_prices (void)
{
    demo_data_t *data = NULL;
    CHECK_EQ_INT (demo_data_new (&data), 0);
    const char *header = "currency,sku,unit_price\n";
    char text[512];

    CHECK_ERR (s_prices (data, "sku,currency,unit_price\nUSD,A,1\n"), "prices.csv:1:",
               "expected the header 'currency,sku,unit_price'");
    CHECK_ERR (s_prices (data, ""), "prices.csv:", "is empty");
    CHECK_ERR (s_prices (data, "# only a comment\ncurrency,sku,unit_price\n"), "prices.csv:",
               "no rows");

    snprintf (text, sizeof text, "%sUSD,A,1\nUSD,B\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:3:", "expected 3 fields");
    snprintf (text, sizeof text, "%sUSD,A,1,2\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "found 4");
    snprintf (text, sizeof text, "%s\n\nusd,A,1\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:4:", "currency 'usd' is not an ISO 4217 code");
    snprintf (text, sizeof text, "%sXXQ,A,1\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "currency 'XXQ'");
    snprintf (text, sizeof text, "%sUSD,A,12.99\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "decimal point");
    snprintf (text, sizeof text, "%sUSD,A,-5\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "unit_price '-5' is negative");
    snprintf (text, sizeof text, "%sUSD,A,12x\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "not a whole number");
    snprintf (text, sizeof text, "%sUSD,A,9000000000000000000\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "pricing.set would refuse this row: /unit_price");
    snprintf (text, sizeof text, "%sUSD,A,99999999999999999999\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "too large");
    snprintf (text, sizeof text, "%sUSD,A,\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "unit_price is empty");
    snprintf (text, sizeof text, "%sUSD,,100\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "sku is empty");
    snprintf (text, sizeof text, "%sUSD,SKU A,100\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "without spaces");
    snprintf (text, sizeof text, "%sUSD,\"SKU\",100\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "quotes");
    snprintf (text, sizeof text, "%sUSD,%065d,100\n", header, 7);
    CHECK_ERR (s_prices (data, text), "prices.csv:2:", "longer than 64");
    snprintf (text, sizeof text, "%sUSD,A,1\nEUR,A,1\n# c\nUSD,A,2\n", header);
    CHECK_ERR (s_prices (data, text), "prices.csv:5:", "USD price of A is listed twice (first on line 2)");
    demo_data_destroy (&data);
}

static void
test_stock_and_check (void)
{
    demo_data_t *data = NULL;
    CHECK_EQ_INT (demo_data_new (&data), 0);
    CHECK_EQ_INT (s_prices (data, "currency,sku,unit_price\nUSD,A,100\nEUR,B,200\n"), 0);
    CHECK_EQ_INT (s_stock (data, "location,sku,on_hand\nWH-EAST,A,5\nWH-WEST,A,0\nWH-EAST,B,7\n"), 0);
    CHECK_EQ_INT (data->nstock, 3);
    if (data->nstock == 3) {
        CHECK_STR (data->stock[2].location, "WH-EAST");
        CHECK_STR (data->stock[2].sku, "B");
        CHECK_EQ_INT (data->stock[2].on_hand, 7);
        CHECK_EQ_INT (data->stock[2].line, 4);
    }
    CHECK_EQ_INT (demo_data_check (data, s_err, sizeof s_err), 0);

    CHECK_ERR (s_stock (data, "location,sku,on_hand\nWH EAST,A,5\n"), "stock.csv:2:",
               "location 'WH EAST'");
    CHECK_ERR (s_stock (data, "location,sku,on_hand\nWH-EAST,A,-1\n"), "stock.csv:2:",
               "on_hand '-1' is negative");
    CHECK_ERR (s_stock (data, "location,sku,on_hand\nWH-EAST,A,1\nWH-EAST,A,2\n"), "stock.csv:3:",
               "stock of A at WH-EAST is listed twice (first on line 2)");
    //  within int64 but beyond what the catalogue lets inventory.set_stock take
    CHECK_ERR (s_stock (data, "location,sku,on_hand\nWH-EAST,A,1\nWH-EAST,B,9000000000000\n"),
               "stock.csv:3:", "inventory.set_stock would refuse this row: /on_hand");
    CHECK_ERR (s_stock (data, "currency,sku,unit_price\nUSD,A,1\n"), "stock.csv:1:",
               "expected the header 'location,sku,on_hand'");

    CHECK_EQ_INT (s_stock (data, "location,sku,on_hand\nWH-EAST,A,5\n\nWH-EAST,NOPRICE,1\n"), 0);
    CHECK_ERR (demo_data_check (data, s_err, sizeof s_err), "stock.csv:4:",
               "NOPRICE has no price in prices.csv");
    demo_data_destroy (&data);
}

//  Many rows exercise the growth of the row arrays.
static void
test_many_rows (void)
{
    size_t rows = 1000;
    char *text = malloc (rows * 40 + 64);
    CHECK (text != NULL);
    if (!text)
        return;
    size_t len = (size_t) sprintf (text, "currency,sku,unit_price\n");
    for (size_t i = 0; i < rows; i++)
        len += (size_t) sprintf (text + len, "EUR,SKU-%zu,%zu\n", i, i * 3);
    demo_data_t *data = NULL;
    CHECK_EQ_INT (demo_data_new (&data), 0);
    CHECK_EQ_INT (s_prices (data, text), 0);
    CHECK_EQ_INT (data->nprices, rows);
    if (data->nprices == rows) {
        CHECK_STR (data->prices[999].sku, "SKU-999");
        CHECK_EQ_INT (data->prices[999].unit_price, 2997);
        CHECK_EQ_INT (data->prices[999].line, 1001);
    }
    demo_data_destroy (&data);
    free (text);
}

static void
test_files (void)
{
    demo_data_t *data = NULL;
    CHECK_EQ_INT (demo_data_new (&data), 0);
    CHECK_ERR (demo_data_load (data, "/nonexistent-demo-dir", s_err, sizeof s_err),
               "/nonexistent-demo-dir/prices.csv:", "cannot open");
    const char *source = getenv ("RETAILMESH_SOURCE_DIR");
    CHECK (source != NULL);
    if (source) {
        char dir[PATH_MAX];
        snprintf (dir, sizeof dir, "%s/services/cli/demo", source);
        int rc = demo_data_load (data, dir, s_err, sizeof s_err);
        CHECK_EQ_INT (rc, 0);
        if (rc)
            fprintf (stderr, "  shipped demo catalogue: %s\n", s_err);
        CHECK (data->nprices >= 36);
        CHECK (data->nstock >= 36);
    }
    demo_data_destroy (&data);
}

int
main (void)
{
    test_good_prices ();
    test_bad_prices ();
    test_stock_and_check ();
    test_many_rows ();
    test_files ();
    return harness_report ("test_cli_demo_data");
}

//  demo_data — the demo catalogue: prices.csv (currency,sku,unit_price) and
//  stock.csv (location,sku,on_hand). Everything is parsed and checked before
//  anything is sent to a service (each row also against the message
//  catalogue, as the service will), so a bad line is reported as file:line
//  with what is wrong, and a half-loaded catalogue is never the result of a
//  typo. Blank lines and lines starting with '#' are skipped.
#ifndef RM_CLI_DEMO_DATA_H
#define RM_CLI_DEMO_DATA_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#define DEMO_IDENT_MAX 64              //  longest SKU or location
#define DEMO_FILE_MAX (16 << 20)       //  largest CSV file read

typedef struct {
    int line;
    char currency[4];
    char sku[DEMO_IDENT_MAX + 1];
    int64_t unit_price;                //  minor units
} demo_price_t;

typedef struct {
    int line;
    char location[DEMO_IDENT_MAX + 1];
    char sku[DEMO_IDENT_MAX + 1];
    int64_t on_hand;
} demo_stock_t;

typedef struct {
    char *prices_file;                 //  names used in messages
    demo_price_t *prices;
    size_t nprices;
    char *stock_file;
    demo_stock_t *stock;
    size_t nstock;
} demo_data_t;

//  Returns 0 or RM_ENOMEM.
int demo_data_new (demo_data_t **self_p);

void demo_data_destroy (demo_data_t **self_p);

//  Parses the text of prices.csv; file names it in messages. Returns 0, or
//  RM_EINVAL with err holding "file:line: what is wrong", or RM_ENOMEM.
int demo_data_parse_prices (demo_data_t *self, const char *file, const char *text,
                            char *err, size_t err_size);

//  Parses the text of stock.csv; same returns.
int demo_data_parse_stock (demo_data_t *self, const char *file, const char *text,
                           char *err, size_t err_size);

//  Checks that every stocked SKU has a price, so the demo can be ordered
//  from. Returns 0 or RM_EINVAL with err naming the stock line.
int demo_data_check (demo_data_t *self, char *err, size_t err_size);

//  Reads, parses and checks dir/prices.csv and dir/stock.csv.
int demo_data_load (demo_data_t *self, const char *dir, char *err, size_t err_size);

//  Packs the body of the pricing.set call for a price.
void demo_data_pack_price (msgpack_packer *pk, const demo_price_t *price);

//  Packs the body of the inventory.set_stock call for a stock level.
void demo_data_pack_stock (msgpack_packer *pk, const demo_stock_t *stock);

#endif
